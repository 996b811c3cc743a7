'use strict';
// Records the node's finalized head number, then waits (bounded in time and in
// the number of notifications) until finality has advanced by at least
// `minAdvance` blocks. Returns 0; throws if finality stalls.
//
// zombienet:  alice: js-script ./tests/finality-progress.js with "5,150" return is 0 within 180 seconds
//             args: "<minAdvance>,<timeoutSecs>" (defaults 5, 150)
// standalone: node tests/finality-progress.js ws://127.0.0.1:9944 [minAdvance] [timeoutSecs]

const { connect, wsUriOf, numArg, runStandalone, waitForSubscription } = require('./common');

const DEFAULT_MIN_ADVANCE = 5;
const DEFAULT_TIMEOUT_S = 150;

function log(msg) {
  console.log(`[finality-progress] ${msg}`);
}

async function finalizedNumber(api) {
  const hash = await api.rpc.chain.getFinalizedHead();
  const header = await api.rpc.chain.getHeader(hash);
  return header.number.toNumber();
}

function waitForFinalized(api, target, timeoutS) {
  let last = null;
  return waitForSubscription(
    (callback) => api.rpc.chain.subscribeFinalizedHeads(callback),
    (header) => {
      last = header.number.toNumber();
      log(`finalized #${last}`);
      return last >= target ? last : undefined;
    },
    { timeoutS, what: () => `finalized head did not reach #${target} (last seen #${last})` },
  );
}

async function run(nodeName, networkInfo, args) {
  const wsUri = wsUriOf(nodeName, networkInfo);
  const minAdvance = Math.floor(numArg(args, 0, DEFAULT_MIN_ADVANCE, 'minAdvance'));
  const timeoutS = numArg(args, 1, DEFAULT_TIMEOUT_S, 'timeoutSecs');

  log(`connecting to ${nodeName} at ${wsUri}`);
  const api = await connect(wsUri);
  try {
    const start = await finalizedNumber(api);
    const target = start + minAdvance;
    log(`finalized head #${start}; waiting for #${target} (timeout ${timeoutS}s)`);
    const reached = await waitForFinalized(api, target, timeoutS);
    log(`OK: finality advanced from #${start} to #${reached}`);
    return 0;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };

if (require.main === module) {
  runStandalone(module.exports, 'node tests/finality-progress.js ws://127.0.0.1:9944 [minAdvance] [timeoutSecs]');
}
