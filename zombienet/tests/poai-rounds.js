'use strict';
// PoAI rounds on a live chain, read through @polkadot/api as polkadot.js apps reads them.
//
// Mode `honest` (args "honest,<suri>,<minPasses>,<timeoutSecs>[,<other honest suris joined by
// +>]"): waits until the worker whose stash is <suri>//stash has at least <minPasses> passed
// rounds (poaiReputation.reputations), checking every new block's events: the worker must
// commit (poaiChallenges.Committed), and neither it nor the other listed honest workers is ever
// faulted (a cheater in the network may be).
//
// Mode `cheater` (args "cheater,<suri>,<timeoutSecs>[,<honest suris joined by +>]"): waits
// until the worker <suri>//stash is faulted (poaiChallenges.Faulted), checks that it was slashed
// (poaiStaking.Slashed) and lost reputation, then waits until it is no longer in
// session.validators; the listed honest workers are never faulted meanwhile.
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
  let last = null;
  return waitForSubscription(
    (callback) => api.rpc.chain.subscribeNewHeads(callback),
    async (header) => {
      const hash = header.hash;
      for (const event of await poaiEvents(api, hash)) {
        if (event.name === 'poaiChallenges.Committed' && String(event.data[1]) === stash) {
          committed += 1;
          log(`#${header.number}: ${suri} committed (round ${event.data[0]}, ${event.data[4]} ms)`);
        }
        const faulted = faultedWorker(event);
        if (faulted && honestStashes.includes(faulted)) {
          throw new Error(`#${header.number}: honest worker ${faulted} was faulted: ${JSON.stringify(event.data)}`);
        }
        if (faulted) log(`#${header.number}: ${faulted} faulted (${event.data[2]})`);
      }
      last = await reputationOf(api, stash);
      if (last.passes >= minPasses) {
        if (committed === 0) throw new Error(`${suri} passed rounds without a commitment being seen`);
        log(`${suri}: ${JSON.stringify(last)}`);
        return 0;
      }
      return undefined;
    },
    { timeoutS, what: () => `${suri} did not pass ${minPasses} rounds (reputation ${JSON.stringify(last)}, commitments seen ${committed})` },
  );
}

async function cheater(api, keyring, args) {
  const suri = String(args[1] || '//Dave').trim();
  const timeoutS = numArg(args, 2, 600, 'timeoutSecs');
  const honestStashes = String(args[3] || '')
    .split('+')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => stashOf(keyring, s));
  const stash = stashOf(keyring, suri);
  const before = await reputationOf(api, stash);
  let faultedAt = null;
  let slashed = false;
  return waitForSubscription(
    (callback) => api.rpc.chain.subscribeNewHeads(callback),
    async (header) => {
      for (const event of await poaiEvents(api, header.hash)) {
        const faulted = faultedWorker(event);
        if (faulted && honestStashes.includes(faulted)) {
          throw new Error(`#${header.number}: honest worker ${faulted} was faulted`);
        }
        if (faulted === stash && faultedAt === null) {
          faultedAt = header.number.toNumber();
          log(`#${faultedAt}: ${suri} faulted: ${JSON.stringify(event.data)}`);
        }
        if (event.name === 'poaiStaking.Slashed' && String(event.data[0]) === stash) {
          slashed = true;
          log(`#${header.number}: ${suri} slashed ${event.data[1]}`);
        }
      }
      if (faultedAt === null) return undefined;
      if (!slashed) throw new Error(`${suri} was faulted at #${faultedAt} without a slash in that block`);
      const now = await reputationOf(api, stash);
      if (now.failures <= before.failures) throw new Error(`${suri}'s failures did not grow: ${JSON.stringify(now)}`);
      const validators = (await api.query.session.validators()).map((v) => v.toString());
      if (validators.includes(stash)) {
        log(`#${header.number}: ${suri} still validates; waiting for the next election`);
        return undefined;
      }
      log(`#${header.number}: ${suri} is out of the validator set (${validators.length} left); reputation ${JSON.stringify(now)}`);
      return 0;
    },
    { timeoutS, what: () => (faultedAt === null ? `${suri} was never faulted` : `${suri} stayed in the validator set`) },
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
