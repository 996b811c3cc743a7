'use strict';
// A new validator joins through staking, exactly as the README's operator steps say:
//   1. `poai-node rotate-keys --chain <spec> --base-path <node's base path> --owner <stash>`:
//      new session keys (babe, gran, poai) in that node's keystore, printed with the proof of
//      possession session.setKeys checks;
//   2. one batch signed by the stash, with a plain @polkadot/api (no custom RPC or types):
//      poaiStaking.bond, session.setKeys, poaiStaking.validate;
//   3. the next election picks it: it appears in session.validators within a few sessions;
//   4. the node holding its keys authors: it earns authorship points in the running session.
// The stash is <suri>//stash, as for the genesis validators. That its worker is challenged and
// passes rounds is the next step of smoke.zndsl (poai-rounds.js honest //Eve).
// Returns 0; throws on any failure. Every wait is bounded.
//
// zombienet:  eve: js-script ./tests/join-validator.js with "//Eve,400" within 460 seconds
//             (the node's base path and chain spec come from zombienet's networkInfo)
// standalone: node tests/join-validator.js ws://127.0.0.1:9944 [suri] [timeoutSecs] \
//               <base path> <chain spec>

const { execFileSync } = require('child_process');
const path = require('path');
const { Keyring } = require('@polkadot/keyring');
const { cryptoWaitReady } = require('@polkadot/util-crypto');
const {
  connect,
  describeDispatchError,
  numArg,
  runStandalone,
  submitAndWaitFinalized,
  waitForSubscription,
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

// The node binary: $POAI_NODE (scripts/env.sh), else where scripts/env.sh would put it.
function poaiNode() {
  if (process.env.POAI_NODE) return process.env.POAI_NODE;
  const target = process.env.CARGO_TARGET_DIR || path.join(process.env.HOME || '', '.cache', 'poai-target');
  return path.join(target, 'release', 'poai-node');
}

// Step 1 of the operator's path: the node's new keys and their proof, for `owner`.
function rotateKeys(basePath, chainSpec, owner) {
  const args = ['rotate-keys', '--chain', chainSpec, '--base-path', basePath, '--owner', owner];
  log(`${poaiNode()} ${args.join(' ')}`);
  const out = execFileSync(poaiNode(), args, { timeout: 60_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const rotated = JSON.parse(out);
  for (const field of ['keys', 'babe', 'grandpa', 'poai', 'proof']) {
    if (!/^0x[0-9a-f]+$/.test(String(rotated[field]))) {
      throw new Error(`rotate-keys printed no ${field}: ${out}`);
    }
  }
  return rotated;
}

// Step 2 of the operator's path, for `stash` with the keys `rotated` printed: one batch of
// poaiStaking.bond(bond), session.setKeys and poaiStaking.validate declaring tier `tier`.
// Checks that it completed, that the stash is a candidate of that tier and that its next keys
// hold the new poai key.
async function bondAndValidate(api, stash, bond, rotated, tier) {
  // The keys as apps' form for session.setKeys asks for them: one field per key.
  const keys = { babe: rotated.babe, grandpa: rotated.grandpa, poai: rotated.poai };
  const keysType = api.tx.session.setKeys.meta.args[0].type.toString();
  if (api.createType(keysType, keys).toHex() !== rotated.keys) {
    throw new Error(`the printed keys ${rotated.keys} are not babe ++ grandpa ++ poai`);
  }
  const tx = api.tx.utility.batchAll([
    api.tx.poaiStaking.bond(bond),
    api.tx.session.setKeys(keys, rotated.proof),
    api.tx.poaiStaking.validate(COMMISSION_PERBILL, tier),
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
  if (candidate.isNone || candidate.unwrap().tier.toNumber() !== tier) {
    throw new Error(`${stash.address} is not a candidate of tier ${tier} after validate`);
  }
  const worker = await api.query.session.nextKeys(stash.address);
  if (worker.isNone || worker.unwrap().poai.toHex() !== rotated.poai) {
    throw new Error(`session.nextKeys(${stash.address}) does not hold the poai key ${rotated.poai}`);
  }
}

function validatorsInclude(validators, address) {
  return validators.some((v) => v.toString() === address);
}

async function run(nodeName, networkInfo, args) {
  const wsUri = wsUriOf(nodeName, networkInfo);
  const suri = args && args[0] && String(args[0]).trim() !== '' ? String(args[0]).trim() : '//Eve';
  const timeoutS = numArg(args, 1, DEFAULT_TIMEOUT_S, 'timeoutSecs');
  // zombienet's native provider runs each node with --base-path <tmpDir>/<name>/data.
  const basePath = (args && args[2]) || (networkInfo && networkInfo.tmpDir && path.join(networkInfo.tmpDir, nodeName, 'data'));
  const chainSpec = (args && args[3]) || (networkInfo && networkInfo.chainSpecPath);
  if (!basePath || !chainSpec) throw new Error('no base path or chain spec of the node to rotate keys on');

  await cryptoWaitReady();
  const api = await connect(wsUri);
  try {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
    const stash = keyring.addFromUri(`${suri}//stash`);
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

    const rotated = rotateKeys(basePath, chainSpec, stash.address);
    log(`session keys ${rotated.keys} (poai ${rotated.poai})`);

    await bondAndValidate(api, stash, bond, rotated, 0); // tier 0: `cpu`
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

module.exports = { run, rotateKeys, bondAndValidate };

if (require.main === module) {
  runStandalone(module.exports, 'node tests/join-validator.js ws://127.0.0.1:9944 [suri] [timeoutSecs]');
}
