'use strict';
// The explorer (explorer/) in headless Chromium against this network: explorer/test/browser.mjs
// serves the built app on 127.0.0.1, opens its pages on this node's RPC and checks that they
// load without console errors, list the genesis validators, show dave's fault with its
// distances and slash, and show no fault or slash for the honest validators. Screenshots go to
// docs/explorer/.
//
// zombienet:  alice: js-script ./tests/explorer.js with "240" return is 0 within 300 seconds
//             args: "<timeoutSecs>"
// standalone: node tests/explorer.js ws://127.0.0.1:9944 [timeoutSecs]

const { spawn } = require('node:child_process');
const path = require('node:path');
const { numArg, runStandalone, wsUriOf } = require('./common');

const DEFAULT_TIMEOUT_S = 240;
const EXPLORER = path.join(__dirname, '..', '..', 'explorer');

async function run(nodeName, networkInfo, args) {
  const wsUri = wsUriOf(nodeName, networkInfo);
  const timeoutS = numArg(args, 0, DEFAULT_TIMEOUT_S, 'timeoutSecs');
  const argv = [path.join(EXPLORER, 'test', 'browser.mjs'), '--rpc', wsUri, '--timeout', String(timeoutS)];
  const child = spawn(process.execPath, argv, { cwd: EXPLORER, stdio: 'inherit' });
  // The browser run bounds itself; this bounds the process as well.
  const killer = setTimeout(() => child.kill('SIGKILL'), (timeoutS + 30) * 1000);
  const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(signal ? 1 : c)));
  clearTimeout(killer);
  if (code !== 0) throw new Error(`the explorer's browser test failed (exit ${code})`);
  return 0;
}

module.exports = { run };

if (require.main === module) {
  runStandalone(module.exports, 'node tests/explorer.js <ws-uri> [timeoutSecs]');
}
