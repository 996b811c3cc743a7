'use strict';
// Latency of PoAI rounds, from a round's issue to its verdict, read from the chain's events.
//
// Walks every block from <fromBlock> (default 1) on, in order (blocks that the new-heads
// subscription skips are fetched by number), and follows each round whose `RoundIssued` it
// sees: the block of its first `Committed`, of its last verdict (`Passed`, `Faulted` or
// `Missed`) and of its `RoundClosed`. For every closed round it prints one JSON line on stdout:
//   {"kind":"round_latency","round":R,"issued":B,"committed":Bc,"verdict":B2,"closed":B3,
//    "blocks":B2-B,"seconds":..,...}
// where seconds come from the blocks' `timestamp.now`. Logs go to stderr. Ends once <rounds>
// rounds are closed and, with <everyModel>=1, once every registered model has been run by some
// commitment (memory figures depend on the model); fails after <timeoutSecs> (the rounds closed
// by then are printed).
//
// standalone: node tests/round-latency.js ws://127.0.0.1:9944 [rounds=2] [timeoutSecs=300] [fromBlock=1] [everyModel=0]
// zombienet:  alice: js-script ./tests/round-latency.js with "2,300" within 320 seconds

const { connect, numArg, runStandalone, waitForSubscription, wsUriOf } = require('./common');

const VERDICTS = ['Passed', 'Faulted', 'Missed'];

function log(msg) {
  console.error(`[round-latency] ${msg}`);
}

async function run(nodeName, networkInfo, args) {
  const want = Math.floor(numArg(args, 0, 2, 'rounds'));
  const timeoutS = numArg(args, 1, 300, 'timeoutSecs');
  const fromBlock = Math.floor(numArg(args, 2, 1, 'fromBlock'));
  const everyModel = numArg(args, 3, 0, 'everyModel') === 1;
  const api = await connect(wsUriOf(nodeName, networkInfo));
  const registered = (await api.query.poaiModels.models.keys()).length;
  const seen = new Set();
  const rounds = new Map();
  let next = fromBlock;
  let closed = 0;
  let queue = Promise.resolve(undefined);

  const blockOf = async (n) => {
    const hash = await api.rpc.chain.getBlockHash(n);
    const [events, now] = await Promise.all([api.query.system.events.at(hash), api.query.timestamp.now.at(hash)]);
    return { events, ms: now.toNumber() };
  };

  const emit = (round, r) => {
    const line = {
      kind: 'round_latency',
      round,
      workers: r.workers,
      models: r.models,
      issued: r.issued,
      commit_until: r.commitUntil,
      committed: r.committed,
      verdict: r.verdict,
      closed: r.closed,
      blocks: r.verdict !== null ? r.verdict - r.issued : null,
      seconds: r.verdictMs !== null ? (r.verdictMs - r.issuedMs) / 1000 : null,
      commit_blocks: r.committed !== null ? r.committed - r.issued : null,
      commit_seconds: r.committedMs !== null ? (r.committedMs - r.issuedMs) / 1000 : null,
      closed_blocks: r.closed - r.issued,
      closed_seconds: (r.closedMs - r.issuedMs) / 1000,
      verdicts: r.verdicts,
      audits: r.audits,
      ran: r.ran,
    };
    if (r.audits === 0) {
      line.note =
        'no audit: on a single-validator dev chain there is no other worker to verify, so the round is judged on its commitments alone';
    }
    console.log(JSON.stringify(line));
  };

  const names = new Map();
  const modelName = async (id) => {
    const key = id.toString();
    if (!names.has(key)) {
      const record = await api.query.poaiModels.models(id);
      names.set(key, record.isSome ? record.unwrap().spec.name.toUtf8() : `model ${key}`);
    }
    return names.get(key);
  };

  const processBlock = async (n) => {
    const { events, ms } = await blockOf(n);
    for (const { event } of events) {
      if (event.section !== 'poaiChallenges') continue;
      const round = Number(event.data[0].toString());
      const name = event.method;
      if (name === 'RoundIssued') {
        rounds.set(round, {
          issued: n,
          issuedMs: ms,
          workers: Number(event.data[1].toString()),
          models: Number(event.data[2].toString()),
          commitUntil: Number(event.data[3].toString()),
          committed: null,
          committedMs: null,
          verdict: null,
          verdictMs: null,
          verdicts: {},
          audits: 0,
          ran: [],
          ranIds: [],
        });
        log(`#${n}: round ${round} issued (${event.data[1]} workers, ${event.data[2]} models)`);
        continue;
      }
      const r = rounds.get(round);
      if (!r) continue; // issued before `fromBlock`
      if (name === 'Committed') {
        // The registered name of the model the worker ran (the RSS figures depend on it).
        r.ran.push(await modelName(event.data[2]));
        r.ranIds.push(event.data[2].toString());
        if (r.committed === null) {
          r.committed = n;
          r.committedMs = ms;
          log(`#${n}: round ${round} first commitment`);
        }
      } else if (name === 'Audited') {
        r.audits += 1;
      } else if (VERDICTS.includes(name)) {
        r.verdict = n;
        r.verdictMs = ms;
        r.verdicts[name] = (r.verdicts[name] || 0) + 1;
        log(`#${n}: round ${round} ${name}`);
      } else if (name === 'RoundClosed') {
        r.closed = n;
        r.closedMs = ms;
        log(`#${n}: round ${round} closed`);
        emit(round, r);
        // A model counts as run once its round is closed: its outputs were held until then.
        r.ranIds.forEach((id) => seen.add(id));
        rounds.delete(round);
        closed += 1;
      }
    }
  };

  const done = () => closed >= want && (!everyModel || seen.size >= registered);
  // Processes every block up to `head` in order; resolves 0 once done.
  const catchUp = async (head) => {
    while (next <= head && !done()) {
      await processBlock(next);
      next += 1;
    }
    return done() ? 0 : undefined;
  };

  try {
    return await waitForSubscription(
      (callback) => api.rpc.chain.subscribeNewHeads(callback),
      (header) => {
        // Notifications may overlap: one chain keeps the blocks in order.
        queue = queue.then(() => catchUp(header.number.toNumber()));
        return queue;
      },
      {
        timeoutS,
        what: () => `${closed} of ${want} rounds closed, ${seen.size} of ${registered} models run (next block ${next}, open rounds ${[...rounds.keys()].join(',') || 'none'})`,
      },
    );
  } catch (error) {
    // Out of time before every model ran: the rounds asked for are still a result.
    if (everyModel && closed >= want) {
      log(`${error.message || error}: ending with ${seen.size} of ${registered} models run`);
      return 0;
    }
    throw error;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };

if (require.main === module) {
  runStandalone(module.exports, 'node tests/round-latency.js <ws-uri> [rounds] [timeoutSecs] [fromBlock]');
}
