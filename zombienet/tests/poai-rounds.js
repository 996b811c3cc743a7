'use strict';
// PoAI rounds on a live chain, read through @polkadot/api as polkadot.js apps reads them.
//
// Mode `honest` (args "honest,<suri>,<minPasses>,<timeoutSecs>[,<other honest suris joined by
// +>]"): waits until the worker whose stash is <suri>//stash has passed <minPasses> more rounds
// (poaiReputation.reputations) and committed as many times (poaiChallenges.Committed) while the
// script watches, checking every new block's events: neither it nor the other listed honest
// validators is ever faulted, slashed or chilled (a cheater in the network may be).
//
// Mode `cheater` (args "cheater,<suri>,<timeoutSecs>[,<honest suris joined by +>]"): waits
// until the validator <suri>//stash has a failure on its reputation record and a slash on its
// bond (poaiStaking.slashedFractions), as a cheating worker or as a verifier that vouched for
// a cheat or framed an honest worker, checks that the slash chilled it (no longer a
// poaiStaking candidate), then waits until it is no longer in session.validators. A fault seen
// live must come with its Slashed and Chilled events in the same block. The listed honest
// validators are never faulted, slashed (as workers or verifiers) or chilled meanwhile, and at
// the end their records in state are clean: no slash, no failure, still candidates.
//
// zombienet:  alice: js-script ./tests/poai-rounds.js with "honest,//Alice,2,300,//Bob+//Charlie" within 320 seconds
// standalone: node tests/poai-rounds.js ws://127.0.0.1:9944 honest //Alice 2 300

const { Keyring } = require('@polkadot/keyring');
const { cryptoWaitReady } = require('@polkadot/util-crypto');
const { connect, numArg, runStandalone, waitForSubscription, wsUriOf } = require('./common');

function log(msg) {
  console.log(`[poai-rounds] ${msg}`);
}

function stashOf(keyring, suri) {
  return keyring.addFromUri(`${suri}//stash`).address;
}

// The PoAI events of block `hash`, as { name, data } with data as JSON.
async function poaiEvents(api, hash) {
  const events = await api.query.system.events.at(hash);
  return events
    .filter(({ event }) => ['poaiChallenges', 'poaiStaking'].includes(event.section))
    .map(({ event }) => ({ name: `${event.section}.${event.method}`, data: event.data.toJSON() }));
}

async function reputationOf(api, stash) {
  const record = await api.query.poaiReputation.reputations(stash);
  if (record.isNone) return { passes: 0, failures: 0, misses: 0 };
  const r = record.unwrap().toJSON();
  return { passes: r.passes, failures: r.failures, misses: r.misses };
}

function faultedWorker(event) {
  return event.name === 'poaiChallenges.Faulted' ? String(event.data[1]) : null;
}

// The account an event sanctions, if it is one of these: a worker's fault, a verifier's slash,
// a bond's slash, a chill (by a slash or a suspension). An honest validator is never named by
// any of them.
const SANCTIONS = {
  'poaiChallenges.Faulted': 1,
  'poaiChallenges.VerifierSlashed': 1,
  'poaiStaking.Slashed': 0,
  'poaiStaking.Chilled': 0,
};

// Throws if `event` sanctions one of `honestStashes`.
function assertNotSanctioned(event, honestStashes, at) {
  const field = SANCTIONS[event.name];
  if (field === undefined) return;
  const who = String(event.data[field]);
  if (honestStashes.includes(who)) {
    throw new Error(`${at}: honest validator ${who}: ${event.name} ${JSON.stringify(event.data)}`);
  }
}

// Throws unless every one of `honestStashes` has a clean record in state: never slashed
// (poaiStaking.slashedFractions), no failure on its reputation, still a candidate. State holds
// what happened before the script started too.
async function assertCleanRecords(api, honestStashes, at) {
  for (const stash of honestStashes) {
    const slashes = await slashedSessionsOf(api, stash);
    const reputation = await reputationOf(api, stash);
    const candidate = (await api.query.poaiStaking.candidates(stash)).isSome;
    if (slashes.length > 0 || reputation.failures > 0 || !candidate) {
      throw new Error(
        `${at}: honest validator ${stash} has slashes ${JSON.stringify(slashes)}, reputation ${JSON.stringify(reputation)}, candidate ${candidate}`,
      );
    }
  }
  log(`${at}: ${honestStashes.length} honest validator(s): never slashed, no failure, still candidates`);
}

async function honest(api, keyring, args) {
  const suri = String(args[1] || '//Alice').trim();
  const minPasses = Math.floor(numArg(args, 2, 2, 'minPasses'));
  const timeoutS = numArg(args, 3, 300, 'timeoutSecs');
  const stash = stashOf(keyring, suri);
  const honestStashes = [stash].concat(
    String(args[4] || '')
      .split('+')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => stashOf(keyring, s)),
  );
  let committed = 0;
  const start = await reputationOf(api, stash);
  let last = start;
  return waitForSubscription(
    (callback) => api.rpc.chain.subscribeNewHeads(callback),
    async (header) => {
      const hash = header.hash;
      for (const event of await poaiEvents(api, hash)) {
        if (event.name === 'poaiChallenges.Committed' && String(event.data[1]) === stash) {
          committed += 1;
          log(`#${header.number}: ${suri} committed (round ${event.data[0]}, ${event.data[4]} ms)`);
        }
        assertNotSanctioned(event, honestStashes, `#${header.number}`);
        const faulted = faultedWorker(event);
        if (faulted) log(`#${header.number}: ${faulted} faulted (${event.data[2]})`);
      }
      last = await reputationOf(api, stash);
      // A pass can land before the commitment of a later round is seen (the verdict of a
      // round committed before the script started): count both.
      if (last.passes - start.passes >= minPasses && committed >= minPasses) {
        log(`${suri}: ${JSON.stringify(last)} (was ${JSON.stringify(start)})`);
        return 0;
      }
      return undefined;
    },
    { timeoutS, what: () => `${suri} did not pass ${minPasses} rounds (reputation ${JSON.stringify(last)}, was ${JSON.stringify(start)}, commitments seen ${committed})` },
  );
}

// The sessions in which `stash` was slashed, from poaiStaking.slashedFractions.
async function slashedSessionsOf(api, stash) {
  const entries = await api.query.poaiStaking.slashedFractions.entries();
  return entries
    .filter(([key]) => String(key.args[1]) === stash)
    .map(([key, fraction]) => ({ session: key.args[0].toNumber(), fraction: fraction.toString() }));
}

// The cheater's fate is read from state, not only from events seen live: its audit may have
// come before this step started (the worker cheats from round 0), and event history older than
// the node's state pruning window cannot be read back.
async function cheater(api, keyring, args) {
  const suri = String(args[1] || '//Dave').trim();
  const timeoutS = numArg(args, 2, 600, 'timeoutSecs');
  const honestStashes = String(args[3] || '')
    .split('+')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => stashOf(keyring, s));
  const stash = stashOf(keyring, suri);
  let last = 'nothing read yet';
  return waitForSubscription(
    (callback) => api.rpc.chain.subscribeNewHeads(callback),
    async (header) => {
      const at = `#${header.number}`;
      const events = await poaiEvents(api, header.hash);
      for (const event of events) {
        assertNotSanctioned(event, honestStashes, at);
        if (event.name === 'poaiChallenges.VerifierSlashed' && String(event.data[1]) === stash) {
          log(`${at}: ${suri} slashed as a verifier: ${JSON.stringify(event.data)}`);
        }
        const faulted = faultedWorker(event);
        if (faulted !== stash) continue;
        // Seen live: the fault, its slash and the chill land in the same block.
        log(`${at}: ${suri} faulted: ${JSON.stringify(event.data)}`);
        const own = (name) => events.some((e) => e.name === name && String(e.data[0]) === stash);
        if (!own('poaiStaking.Slashed')) throw new Error(`${at}: ${suri} was faulted without a slash`);
        const wasCandidate = (await api.query.poaiStaking.candidates.at(header.parentHash, stash)).isSome;
        if (wasCandidate && !own('poaiStaking.Chilled')) {
          throw new Error(`${at}: ${suri} was faulted but not chilled`);
        }
      }
      const reputation = await reputationOf(api, stash);
      const slashes = await slashedSessionsOf(api, stash);
      const candidate = (await api.query.poaiStaking.candidates(stash)).isSome;
      const validators = (await api.query.session.validators()).map((v) => v.toString());
      const validating = validators.includes(stash);
      last = `reputation ${JSON.stringify(reputation)}, slashed in ${JSON.stringify(slashes)}, candidate ${candidate}, validating ${validating}`;
      if (reputation.failures === 0 || slashes.length === 0) return undefined;
      if (candidate) {
        throw new Error(`${at}: ${suri} was slashed for fraud and is still a candidate (${last})`);
      }
      if (validating) {
        log(`${at}: ${suri} was slashed and chilled, still validates; waiting for the next election`);
        return undefined;
      }
      log(`${at}: ${suri} is out of the validator set (${validators.length} left); ${last}`);
      await assertCleanRecords(api, honestStashes, at);
      return 0;
    },
    { timeoutS, what: () => `${suri} was not dropped: ${last}` },
  );
}

async function run(nodeName, networkInfo, args) {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const api = await connect(wsUriOf(nodeName, networkInfo));
  try {
    const mode = String((args && args[0]) || '').trim();
    if (mode === 'honest') return await honest(api, keyring, args);
    if (mode === 'cheater') return await cheater(api, keyring, args);
    throw new Error(`unknown mode '${mode}' (honest | cheater)`);
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };

if (require.main === module) {
  runStandalone(module.exports, 'node tests/poai-rounds.js <ws-uri> honest|cheater <suri> ...');
}
