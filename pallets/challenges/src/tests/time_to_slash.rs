//! Time to slash, per simulated fault (issue #6): how many rounds, and how many blocks into the
//! detecting round, until a cheating worker's offence is reported, at the chain's testnet
//! parameters (`ProtocolParams::TESTNET`). Three honest workers verify one cheater, as on the
//! local testnet. A benchmark, not a pass/fail test: run it with
//!
//! ```text
//! cargo test --release -p pallet-poai-challenges --lib -- --ignored --nocapture time_to_slash
//! ```
//!
//! It prints one JSON line per fault (`{"kind":"slash",…}`) for `scripts/benchmarks-report.py`;
//! `POAI_SLASH_TRIALS` sets the trials per fault (default 40). It still fails when a cheater
//! is never caught or an honest worker is, so a broken protocol cannot print figures.

use super::*;

/// Rounds a trial may take before it counts as undetected.
const MAX_ROUNDS: u32 = 2_000;

/// The worker faults of `--poai-simulate-fault`, parsed from their command-line names (the
/// shared fault model), and what the chain sees of each.
fn simulated_faults() -> Vec<(&'static str, Work, Opening)> {
	[
		"random",
		"wrong-model",
		"skip-reveal",
		"late-commit",
		"partial:0.01",
		"partial:0.05",
		"partial:0.1",
		"partial:0.5",
	]
	.into_iter()
	.map(|name| {
		let fault: SimulatedFault = name.parse().expect("a fault of the worker's command line");
		let (work, opening) = match fault {
			SimulatedFault::SkipReveal => (Work::Honest, Opening::Never),
			// The pool refuses a commitment after the deadline: the chain sees no commitment.
			SimulatedFault::LateCommit => (Work::Skip, Opening::Honest),
			faked => (Work::Faulty(faked), Opening::Honest),
		};
		(name, work, opening)
	})
	.collect()
}

fn percentile(sorted: &[u32], per_cent: usize) -> u32 {
	let rank = (sorted.len() * per_cent).div_ceil(100).max(1);
	sorted[rank - 1]
}

#[test]
#[ignore = "a benchmark: prints time-to-slash figures (scripts/benchmarks.sh runs it)"]
fn time_to_slash() {
	let trials: u32 =
		std::env::var("POAI_SLASH_TRIALS").ok().and_then(|t| t.parse().ok()).unwrap_or(40);
	let params = ProtocolParams::TESTNET;
	for (index, (mode, work, opening)) in simulated_faults().into_iter().enumerate() {
		let mut rounds = Vec::new();
		let mut latencies = Vec::new();
		let mut kinds = std::collections::BTreeSet::new();
		let mut fractions = std::collections::BTreeSet::new();
		for trial in 0..trials {
			new_test_ext().execute_with(|| {
				let mut nodes = four_honest();
				nodes[0].work = work;
				nodes[0].opening = opening;
				let cheater = nodes[0].stash;
				for round in 0..MAX_ROUNDS {
					set_salt((index as u64) << 48 | u64::from(trial) << 32 | u64::from(round));
					// `play_round` issues the round in the next block.
					let issued = System::block_number() + 1;
					play_round(round, &nodes);
					assert!(
						offences().iter().all(|o| o.offender == cheater),
						"{mode}: an honest worker was reported in round {round}"
					);
					if let Some(&block) = offence_blocks().first() {
						rounds.push(round + 1);
						latencies.push(block - issued);
						for o in offences() {
							kinds.insert(format!("{:?}", o.kind));
							fractions.insert(o.fraction.deconstruct() / 1_000);
						}
						return;
					}
					System::reset_events();
				}
				panic!("{mode}: not caught within {MAX_ROUNDS} rounds (trial {trial})");
			});
		}
		rounds.sort_unstable();
		latencies.sort_unstable();
		let mean = rounds.iter().map(|&r| f64::from(r)).sum::<f64>() / f64::from(trials);
		println!(
			"{{\"kind\":\"slash\",\"mode\":\"{mode}\",\"trials\":{trials},\"n\":{},\
			 \"audit_samples\":{},\"audit_probability_ppm\":{},\"verifiers\":{},\
			 \"rounds_mean\":{mean:.2},\"rounds_p50\":{},\"rounds_p90\":{},\"rounds_max\":{},\
			 \"latency_blocks_min\":{},\"latency_blocks_max\":{},\"offences\":{:?},\
			 \"fractions_ppm\":{:?}}}",
			mlp_spec().tier_params(TierId(0)).map_or(0, |c| c.batch_size),
			params.audit_samples,
			params.audit_probability.deconstruct() / 1_000,
			params.verifiers,
			percentile(&rounds, 50),
			percentile(&rounds, 90),
			rounds.last().copied().unwrap_or_default(),
			latencies.first().copied().unwrap_or_default(),
			latencies.last().copied().unwrap_or_default(),
			kinds.into_iter().collect::<Vec<_>>(),
			fractions.into_iter().collect::<Vec<_>>(),
		);
	}
}
