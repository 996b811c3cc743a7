'use strict';
// A CPU node that claims a GPU tier cannot profit from the claim (issue #12, docs/HARDWARE.md).
//
// `join` (run early, on the impostor's node):
//   1. the council (Alice and Bob) registers an entry-level GPU tier, `gpu-entry` (0.5 TFLOP/s
//      fp32, 2 TOP/s int8, 4 GiB), and adds it to tiny-lm's tier table with the largest batch
//      (65,536 samples, 249 GFLOP) and a 1-block deadline: the registry's rule holds (0.5 s on
//      the promise, at most half the 3 s deadline; 5 s on a tenth of it, beyond the deadline);
//   2. Alice funds //Impostor//stash; the impostor rotates its node's keys and, in one batch,
//      bonds, sets its keys and validates declaring `gpu-entry`. Its node is a 2-core VM's CPU
//      (about 43 GFLOP/s on tiny-lm: under a tenth of the promise).
// `check` (run later, when several sessions have passed):
//   3. the impostor was issued GPU-tier challenges and missed every one (poaiChallenges.Missed,
//      never Committed nor Passed), was suspended after three misses in a row, slashed
//      (poaiStaking.Slashed) and is no longer a candidate;
//   4. an honest CPU declaration that joined the same way (//Eve) passed rounds and earned PoAI
//      points, and kept its bond: the impostor ended worse off;
//   5. the honest validators kept passing: each has a Passed round after the impostor's first
//      miss, and none of them was faulted, suspended or slashed.
// Returns 0; throws on any failure. Every wait is bounded.
//
// zombienet:  impostor: js-script ./tests/gpu-claim.js with "join,300" return is 0 within 320 seconds
//             alice: js-script ./tests/gpu-claim.js with "check,300,//Eve,//Alice+//Bob+//Charlie" return is 0 within 320 seconds
// standalone: node tests/gpu-claim.js ws://127.0.0.1:<port> join 300 <base path> <chain spec>
//             node tests/gpu-claim.js ws://127.0.0.1:9944 check 300 //Eve //Alice+//Bob+//Charlie

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
const { passMotion } = require('./council');
const { bondAndValidate, rotateKeys } = require('./join-validator');

const IMPOSTOR = '//Impostor';
const TX_TIMEOUT_S = 120;
const GPU_TIER = {
  name: 'gpu-entry',
  device: 'Gpu',
  fp32Flops: 500_000_000_000,
  int8Ops: 2_000_000_000_000,
  memoryBytes: 4 * 1024 ** 3,
};
const GPU_BATCH = 65_536;
const GPU_DEADLINE_BLOCKS = 1;

function log(msg) {
  console.log(`[gpu-claim] ${msg}`);
}

async function tinyLm(api) {
  for (const id of (await api.query.poaiModels.activeModels()).toJSON()) {
    const record = (await api.query.poaiModels.models(id)).unwrap();
    if (record.spec.name.toUtf8() === 'tiny-lm') return { id, spec: record.spec.toJSON() };
  }
  throw new Error('tiny-lm is not an active model');
}

// Step 1: the council registers the tier and has tiny-lm serve it. Returns the tier's id.
async function registerGpuTier(api, keyring) {
  const tierId = (await api.query.poaiModels.nextTierId()).toNumber();
  const { id, spec } = await tinyLm(api);
  spec.tiers.push({ tier: tierId, batchSize: GPU_BATCH, deadlineBlocks: GPU_DEADLINE_BLOCKS });
  const call = api.tx.utility.batchAll([
    api.tx.poaiModels.registerTier(GPU_TIER),
    api.tx.poaiModels.updateModel(id, spec),
  ]);
  const [alice, bob] = [keyring.addFromUri('//Alice'), keyring.addFromUri('//Bob')];
  const { result } = await passMotion(api, alice, [alice, bob], call, { timeoutS: TX_TIMEOUT_S, log });
  if (result.isErr) throw new Error(`the motion failed: ${describeDispatchError(api, result.asErr)}`);
  const tier = await api.query.poaiModels.tiers(tierId);
  if (tier.isNone || tier.unwrap().name.toUtf8() !== GPU_TIER.name) {
    throw new Error(`tier ${tierId} is not ${GPU_TIER.name} after the motion`);
  }
  const served = (await api.query.poaiModels.models(id)).unwrap().spec.tiers.toJSON();
  if (!served.some((entry) => entry.tier === tierId && entry.batchSize === GPU_BATCH)) {
    throw new Error(`tiny-lm does not serve tier ${tierId}: ${JSON.stringify(served)}`);
  }
  log(`tier ${tierId} ${GPU_TIER.name} registered; tiny-lm serves it at ${GPU_BATCH} samples, ${GPU_DEADLINE_BLOCKS}-block deadline`);
  return tierId;
}

// Step 2: the impostor joins, declaring the GPU tier.
async function join(api, keyring, tierId, basePath, chainSpec) {
  const stash = keyring.addFromUri(`${IMPOSTOR}//stash`);
  const params = await api.query.poaiStaking.params();
  const bond = params.minValidatorBond.toBigInt() * 2n;
  const funded = await submitAndWaitFinalized(
    api.tx.balances.transferKeepAlive(stash.address, bond * 2n),
    keyring.addFromUri('//Alice'),
    TX_TIMEOUT_S,
    log,
  );
  if (funded.dispatchError) throw new Error(`funding failed: ${describeDispatchError(api, funded.dispatchError)}`);
  const rotated = rotateKeys(basePath, chainSpec, stash.address);
  await bondAndValidate(api, stash, bond, rotated, tierId);
  log(`${IMPOSTOR} (${stash.address}) bonded ${bond} and validates declaring tier ${tierId} with poai key ${rotated.poai}`);
}

// Every PoAI and staking event of finalized blocks 1..head that names one of `accounts`.
async function eventsOf(api, accounts) {
  const head = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  const found = [];
  for (let number = 1; number <= head; number += 1) {
    const events = await api.query.system.events.at(await api.rpc.chain.getBlockHash(number));
    for (const { event } of events) {
      if (event.section !== 'poaiChallenges' && event.section !== 'poaiStaking') continue;
      const data = event.data.toJSON();
      const who = [event.data.worker, event.data.stash, event.data.validator]
        .filter(Boolean)
        .map(String)
        .find((account) => accounts.has(account));
      if (who) found.push({ number, who, name: `${event.section}.${event.method}`, data });
    }
  }
  return { head, found };
}

async function check(api, keyring, timeoutS, honestCpu, honestSuris) {
  const impostor = keyring.addFromUri(`${IMPOSTOR}//stash`).address;
  const cpu = keyring.addFromUri(`${honestCpu}//stash`).address;
  const honest = honestSuris.map((suri) => keyring.addFromUri(`${suri}//stash`).address);
  // Wait (bounded) until a finalized block has the impostor suspended: three GPU-tier rounds
  // missed in a row. The events are then read from finalized blocks up to that one at least.
  await waitForSubscription(
    (callback) => api.rpc.chain.subscribeFinalizedHeads(callback),
    async (header) => {
      const at = await api.at(header.hash);
      return (await at.query.poaiStaking.candidates(impostor)).isNone ? true : undefined;
    },
    { timeoutS, what: `${IMPOSTOR} no longer a candidate in a finalized block` },
  );
  const { head, found } = await eventsOf(api, new Set([impostor, cpu, ...honest]));
  const of = (who, name) => found.filter((e) => e.who === who && e.name === name);

  const missed = of(impostor, 'poaiChallenges.Missed');
  const suspended = of(impostor, 'poaiChallenges.Suspended');
  const slashed = of(impostor, 'poaiStaking.Slashed');
  log(`${IMPOSTOR} up to #${head}: missed rounds ${missed.map((e) => `${e.data[0]}@#${e.number}`).join(', ')}; suspended ${JSON.stringify(suspended.map((e) => e.data))}; slashed ${JSON.stringify(slashed.map((e) => e.data))}`);
  if (missed.length < 3) throw new Error(`${IMPOSTOR} missed ${missed.length} rounds, not 3`);
  for (const name of ['poaiChallenges.Committed', 'poaiChallenges.Passed']) {
    if (of(impostor, name).length > 0) throw new Error(`${IMPOSTOR} has ${name}: a CPU met the GPU tier's deadline`);
  }
  if (suspended.length !== 1 || suspended[0].data[2] !== true) {
    throw new Error(`${IMPOSTOR} was not suspended with an offence report: ${JSON.stringify(suspended)}`);
  }
  if (slashed.length === 0) throw new Error(`${IMPOSTOR} was not slashed`);
  const firstMiss = missed[0].number;

  // The honest CPU declaration that joined the same way: paid, never slashed.
  const cpuPasses = of(cpu, 'poaiChallenges.Passed');
  const cpuPoints = cpuPasses.reduce((sum, e) => sum + Number(e.data[3]), 0);
  log(`${honestCpu}: ${cpuPasses.length} rounds passed, ${cpuPoints} PoAI points; ${IMPOSTOR}: 0 points, ${slashed.map((e) => e.data[1]).join('+')} slashed`);
  if (cpuPoints === 0) throw new Error(`${honestCpu} earned no PoAI points`);
  if (of(cpu, 'poaiStaking.Slashed').length > 0) throw new Error(`${honestCpu} was slashed`);

  // The honest validators kept passing while the impostor missed.
  for (const [suri, who] of honestSuris.map((suri, i) => [suri, honest[i]])) {
    for (const name of ['poaiChallenges.Faulted', 'poaiChallenges.Suspended', 'poaiStaking.Slashed']) {
      if (of(who, name).length > 0) throw new Error(`honest ${suri} has ${name}`);
    }
    const later = of(who, 'poaiChallenges.Passed').filter((e) => e.number > firstMiss);
    if (later.length === 0) throw new Error(`honest ${suri} passed no round after #${firstMiss}`);
  }
  log(`OK: the GPU claim missed ${missed.length} rounds, earned nothing and was slashed; honest validators kept passing`);
}

async function run(nodeName, networkInfo, args) {
  const mode = String((args && args[0]) || '').trim();
  const timeoutS = numArg(args, 1, 300, 'timeoutSecs');
  await cryptoWaitReady();
  const api = await connect(wsUriOf(nodeName, networkInfo));
  try {
    const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
    if (mode === 'join') {
      const basePath = (args && args[2]) || (networkInfo && path.join(networkInfo.tmpDir, nodeName, 'data'));
      const chainSpec = (args && args[3]) || (networkInfo && networkInfo.chainSpecPath);
      if (!basePath || !chainSpec) throw new Error('no base path or chain spec of the node to rotate keys on');
      const tierId = await registerGpuTier(api, keyring);
      await join(api, keyring, tierId, basePath, chainSpec);
    } else if (mode === 'check') {
      const honestCpu = String((args && args[2]) || '//Eve');
      const honestSuris = String((args && args[3]) || '//Alice+//Bob+//Charlie').split('+').filter(Boolean);
      await check(api, keyring, timeoutS, honestCpu, honestSuris);
    } else {
      throw new Error(`unknown mode "${mode}": join or check`);
    }
    return 0;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };

if (require.main === module) {
  runStandalone(module.exports, 'node tests/gpu-claim.js ws://127.0.0.1:<port> join|check [timeoutSecs] ...');
}
