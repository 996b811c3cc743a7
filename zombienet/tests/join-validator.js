'use strict';
// A new validator joins through staking, as an operator does it from polkadot.js apps:
//   1. author_rotateKeysWithOwner(<stash>) on a node: new session keys in that node's keystore,
//      plus the proof of possession session.setKeys checks;
//   2. one batch signed by the stash: poaiStaking.bond, session.setKeys, poaiStaking.validate;
//   3. the next election picks it: it appears in session.validators within a few sessions;
//   4. the node holding its keys authors: it earns authorship points in the running session.
// Returns 0; throws on any failure. Every wait is bounded.
//
// zombienet:  alice: js-script ./tests/join-validator.js with "//Eve,400" within 460 seconds
// standalone: node tests/join-validator.js ws://127.0.0.1:9944 [suri] [timeoutSecs]

const { Keyring } = require('@polkadot/keyring');
const { u8aToHex } = require('@polkadot/util');
const { cryptoWaitReady } = require('@polkadot/util-crypto');
const {
  connect,
  describeDispatchError,
  numArg,
  runStandalone,
  submitAndWaitFinalized,
  waitForSubscription,
  withTimeout,
  wsUriOf,
} = require('./common');

const DEFAULT_TIMEOUT_S = 400;
const TX_TIMEOUT_S = 120;
const COMMISSION_PERBILL = 50_000_000; // 5%

function log(msg) {
  console.log(`[join-validator] ${msg}`);
}

const AUTHORING_TIMEOUT_S = 120;

// Resolves with `address`'s reward points of the running session once it has any.
function waitForAuthoringPoints(api, address, timeoutS) {
  return waitForSubscription(
    (callback) => api.rpc.chain.subscribeNewHeads(callback),
    async () => {
      const session = await api.query.session.currentIndex();
      const sessionPoints = await api.query.poaiStaking.points(session);
      for (const [who, value] of sessionPoints.individual.entries()) {
        if (who.toString() === address && value.toNumber() > 0) return value.toNumber();
      }
      return undefined;
    },
    { timeoutS, what: `authoring points for ${address}` },
  );
}

function validatorsInclude(validators, address) {
  return validators.some((v) => v.toString() === address);
}

async function run(nodeName, networkInfo, args) {
  const wsUri = wsUriOf(nodeName, networkInfo);
  const suri = args && args[0] && String(args[0]).trim() !== '' ? String(args[0]).trim() : '//Eve';
  const timeoutS = numArg(args, 1, DEFAULT_TIMEOUT_S, 'timeoutSecs');

  await cryptoWaitReady();
  const api = await connect(wsUri);
  try {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
    const stash = keyring.addFromUri(suri);
    log(`joining as ${suri} (${stash.address}) through ${nodeName} at ${wsUri}`);

    if (validatorsInclude(await api.query.session.validators(), stash.address)) {
      throw new Error(`${stash.address} is already a validator`);
    }
    const params = await api.query.poaiStaking.params();
    const bond = params.minValidatorBond.toBigInt() * 2n;
    const free = (await api.query.system.account(stash.address)).data.free.toBigInt();
    if (free <= bond) {
      throw new Error(`${suri} has ${free}, not enough to bond ${bond}`);
    }

    const generated = (
      await withTimeout(api.rpc.author.rotateKeysWithOwner(u8aToHex(stash.publicKey)), 30, 'author_rotateKeysWithOwner')
    ).toJSON();
    if (!generated || !generated.keys || !generated.proof) {
      throw new Error(`author_rotateKeysWithOwner returned no keys or no proof: ${JSON.stringify(generated)}`);
    }
    log(`session keys ${generated.keys}`);

    const tx = api.tx.utility.batchAll([
      api.tx.poaiStaking.bond(bond),
      api.tx.session.setKeys(generated.keys, generated.proof),
      api.tx.poaiStaking.validate(COMMISSION_PERBILL, 'Cpu'),
    ]);
    const result = await submitAndWaitFinalized(tx, stash, TX_TIMEOUT_S, log);
    if (result.dispatchError) {
      throw new Error(`join batch failed: ${describeDispatchError(api, result.dispatchError)}`);
    }
    const events = result.events.map(({ event }) => `${event.section}.${event.method}`);
    log(`events: ${events.join(', ')}`);
    if (!events.includes('utility.BatchCompleted')) {
      throw new Error('the join batch did not complete');
    }
    const candidate = await api.query.poaiStaking.candidates(stash.address);
    if (candidate.isNone) {
      throw new Error(`${stash.address} is not a candidate after validate`);
    }
    const joinedAt = (await api.query.session.currentIndex()).toNumber();
    log(`candidate since session ${joinedAt}; waiting for the election (timeout ${timeoutS}s)`);

    const count = await waitForSubscription(
      (callback) => api.query.session.validators(callback),
      (validators) => (validatorsInclude(validators, stash.address) ? validators.length : undefined),
      { timeoutS, what: `${stash.address} in session.validators` },
    );
    const session = (await api.query.session.currentIndex()).toNumber();
    log(`${stash.address} validates in session ${session} (joined in ${joinedAt}), ${count} validators`);

    // Its node must now author: authorship points for it in the running session.
    const points = await waitForAuthoringPoints(api, stash.address, AUTHORING_TIMEOUT_S);
    log(`OK: ${stash.address} authored blocks: ${points} points in the running session`);
    return 0;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };

if (require.main === module) {
  runStandalone(module.exports, 'node tests/join-validator.js ws://127.0.0.1:9944 [suri] [timeoutSecs]');
}
