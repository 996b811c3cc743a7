'use strict';
// Every active model (poaiModels.activeModels) is served on the live network: for each, some
// honest validator committed a round on it (poaiChallenges.Committed names the model) and passed
// that round (poaiChallenges.Passed), and none of them was faulted on it. Above all this shows
// the bit-exact integer family (int8-gemm, compared exactly) passing rounds next to the float
// models. It reads the events of finalized blocks 1..head through @polkadot/api (alice archives
// state), then follows new finalized blocks until every model has a pass, bounded in time.
//
// zombienet:  alice: js-script ./tests/models-served.js with "240,//Alice+//Bob+//Charlie" return is 0 within 260 seconds
//             args: "<timeoutSecs>,<honest suris joined by +>"
// standalone: node tests/models-served.js ws://127.0.0.1:9944 240 //Alice+//Bob+//Charlie

const { Keyring } = require('@polkadot/keyring');
const { cryptoWaitReady } = require('@polkadot/util-crypto');
const { connect, numArg, runStandalone, waitForSubscription, wsUriOf } = require('./common');

function log(msg) {
  console.log(`[models-served] ${msg}`);
}

async function run(nodeName, networkInfo, args) {
  const timeoutS = numArg(args, 0, 240, 'timeoutSecs');
  const honestSuris = String((args && args[1]) || '//Alice+//Bob+//Charlie').split('+').filter(Boolean);
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const honest = new Set(honestSuris.map((suri) => keyring.addFromUri(`${suri}//stash`).address));
  const api = await connect(wsUriOf(nodeName, networkInfo));
  try {
    const active = (await api.query.poaiModels.activeModels()).toJSON();
    const names = new Map();
    for (const id of active) {
      const record = (await api.query.poaiModels.models(id)).unwrap();
      names.set(id, record.spec.name.toUtf8());
    }
    log(`active models: ${[...names].map(([id, name]) => `${id} ${name}`).join(', ')}`);
    // (round, worker) -> model, from Committed; then the verdicts.
    const modelOf = new Map();
    const passes = new Map(active.map((id) => [id, 0]));
    const key = (round, worker) => `${round}/${worker}`;
    const scan = async (number) => {
      const hash = await api.rpc.chain.getBlockHash(number);
      const events = await api.query.system.events.at(hash);
      for (const { event } of events) {
        if (event.section !== 'poaiChallenges') continue;
        const data = event.data.toJSON();
        if (event.method === 'Committed') {
          modelOf.set(key(data[0], String(data[1])), data[2]);
        } else if (event.method === 'Passed' || event.method === 'Faulted') {
          const worker = String(data[1]);
          const model = modelOf.get(key(data[0], worker));
          if (model === undefined || !honest.has(worker)) continue;
          if (event.method === 'Faulted') {
            throw new Error(`#${number}: honest ${worker} faulted on model ${model} (${names.get(model)}) in round ${data[0]}`);
          }
          passes.set(model, (passes.get(model) ?? 0) + 1);
        }
      }
    };
    const missing = () => [...passes].filter(([, count]) => count === 0).map(([id]) => `${id} ${names.get(id)}`);
    const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    for (let number = 1; number <= finalized; number += 1) await scan(number);
    let next = finalized + 1;
    // Notifications may overlap: the scans run one after the other, each block once.
    let scanned = Promise.resolve();
    const catchUp = async (head) => {
      for (; next <= head; next += 1) await scan(next);
    };
    if (missing().length > 0) {
      log(`#${finalized}: no honest pass yet on ${missing().join(', ')}; following finalized blocks`);
      await waitForSubscription(
        (cb) => api.rpc.chain.subscribeFinalizedHeads(cb),
        async (header) => {
          scanned = scanned.then(() => catchUp(header.number.toNumber()));
          await scanned;
          return missing().length === 0 ? true : undefined;
        },
        { timeoutS, what: () => `an honest pass on ${missing().join(', ')}` },
      );
    }
    log(`honest passes per model up to #${next - 1}: ${[...passes].map(([id, count]) => `${names.get(id)} ${count}`).join(', ')}`);
    return 0;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };

if (require.main === module) {
  runStandalone(module.exports, 'node tests/models-served.js <ws-uri> [timeoutSecs] [honest suris joined by +]');
}
