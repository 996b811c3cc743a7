'use strict';
// Shared helpers for the zombienet js-script steps (CommonJS: zombienet loads
// js-script files with require()). Every wait here is bounded in time.

const { ApiPromise, WsProvider } = require('@polkadot/api');

const DEFAULT_CONNECT_TIMEOUT_S = 30;

// Transaction extensions of the poai runtime that @polkadot/types does not know
// by name. frame_system::AuthorizeCall carries no explicit or implicit data, so
// it is declared empty (this is also what polkadot.js would assume, with a warning).
const USER_EXTENSIONS = {
  AuthorizeCall: { extrinsic: {}, payload: {} },
};

// Only talk to nodes on this machine.
function assertLoopback(wsUri) {
  let url;
  try {
    url = new URL(wsUri);
  } catch (e) {
    throw new Error(`invalid websocket URI: ${wsUri}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new Error(`not a websocket URI: ${wsUri}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  if (!loopback) {
    throw new Error(`refusing to connect to non-loopback host '${host}' (${wsUri})`);
  }
  return wsUri;
}

// Resolve `promise`, or reject after `seconds` with `what` in the message.
function withTimeout(promise, seconds, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${seconds}s: ${what}`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Connect an ApiPromise, bounded in time; on failure the provider is shut down
// so no reconnect loop is left behind.
async function connect(wsUri, timeoutS = DEFAULT_CONNECT_TIMEOUT_S) {
  assertLoopback(wsUri);
  const provider = new WsProvider(wsUri, 1000);
  try {
    const api = await withTimeout(
      ApiPromise.create({
        provider,
        throwOnConnect: true,
        noInitWarn: true,
        signedExtensions: USER_EXTENSIONS,
      }),
      timeoutS,
      `connecting to ${wsUri}`,
    );
    await withTimeout(api.isReady, timeoutS, `api ready at ${wsUri}`);
    return api;
  } catch (e) {
    try {
      await provider.disconnect();
    } catch (_) {
      /* ignore */
    }
    // ws failures arrive as ErrorEvent objects; zombienet prints Error messages.
    throw new Error(`cannot connect to ${wsUri}: ${e && e.message ? e.message : String(e)}`);
  }
}

// Websocket URI of `nodeName` from zombienet's networkInfo.
function wsUriOf(nodeName, networkInfo) {
  const node = networkInfo && networkInfo.nodesByName && networkInfo.nodesByName[nodeName];
  if (!node || !node.wsUri) {
    throw new Error(`node '${nodeName}' has no wsUri in networkInfo`);
  }
  return node.wsUri;
}

// Positional argument `i` as a positive number, or `dflt` when absent/empty.
function numArg(args, i, dflt, name) {
  const raw = args && args[i] !== undefined ? String(args[i]).trim() : '';
  if (raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`invalid ${name}: '${raw}'`);
  return n;
}

// `node tests/<script>.js ws://127.0.0.1:9944 [args...]` support.
function runStandalone(mod, usage) {
  const [wsUri, ...rest] = process.argv.slice(2);
  if (!wsUri || wsUri === '-h' || wsUri === '--help') {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  const name = 'standalone';
  const networkInfo = { nodesByName: { [name]: { name, wsUri } } };
  mod
    .run(name, networkInfo, rest)
    .then((code) => {
      console.log(`result: ${code}`);
      process.exit(code === 0 ? 0 : 1);
    })
    .catch((e) => {
      console.error(`FAILED: ${e && e.message ? e.message : e}`);
      process.exit(1);
    });
}

// Waits on a subscription, bounded in time and in notifications. `subscribe(callback)` starts
// it and resolves with its unsubscribe function (every @polkadot/api subscription does);
// `onValue(value)` returns `undefined` to keep waiting, or a result to resolve with, and may
// throw to fail. `what` names the wait in the timeout error (a function for a live message).
function waitForSubscription(subscribe, onValue, { timeoutS, what, maxNotifications = 10_000 }) {
  return new Promise((resolve, reject) => {
    let settled = false;
    let unsub = null;
    let seen = 0;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (unsub) {
        try {
          unsub();
        } catch (_) {
          /* ignore */
        }
      }
      if (err) reject(err);
      else resolve(value);
    };
    const describe = () => (typeof what === 'function' ? what() : what);
    const timer = setTimeout(() => finish(new Error(`timeout after ${timeoutS}s: ${describe()}`)), timeoutS * 1000);
    subscribe(async (value) => {
      if (settled) return;
      seen += 1;
      try {
        const result = await onValue(value);
        if (result !== undefined) finish(null, result);
        else if (seen >= maxNotifications) finish(new Error(`gave up after ${seen} notifications: ${describe()}`));
      } catch (e) {
        finish(e);
      }
    })
      .then((u) => {
        unsub = u;
        if (settled) u();
      })
      .catch((e) => finish(e));
  });
}

// Submits `tx` signed by `signer`; resolves with the SubmittableResult once the extrinsic is in
// a finalized block. Bounded by `timeoutS`.
function submitAndWaitFinalized(tx, signer, timeoutS, log = console.log) {
  let inBlock = null;
  return waitForSubscription(
    (callback) => tx.signAndSend(signer, callback),
    (result) => {
      const { status } = result;
      if (status.isInBlock) {
        inBlock = status.asInBlock.toHex();
        log(`in block ${inBlock}`);
      } else if (status.isFinalized) {
        log(`finalized in block ${status.asFinalized.toHex()}`);
        return result;
      } else if (status.isDropped || status.isInvalid || status.isUsurped || status.isFinalityTimeout) {
        throw new Error(`extrinsic status ${status.type}`);
      } else {
        log(`status ${status.type}`);
      }
      return undefined;
    },
    {
      timeoutS,
      what: () =>
        'extrinsic not included and finalized' + (inBlock ? ` (was in block ${inBlock})` : ' (never seen in a block)'),
    },
  );
}

function describeDispatchError(api, dispatchError) {
  if (dispatchError.isModule) {
    const { section, name, docs } = api.registry.findMetaError(dispatchError.asModule);
    return `${section}.${name}: ${docs.join(' ')}`;
  }
  return dispatchError.toString();
}

module.exports = {
  assertLoopback,
  withTimeout,
  connect,
  wsUriOf,
  numArg,
  runStandalone,
  waitForSubscription,
  submitAndWaitFinalized,
  describeDispatchError,
};
