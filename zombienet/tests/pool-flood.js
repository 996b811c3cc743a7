'use strict';
// Attack 7 of docs/THREATS.md: a fee-paying flood that fills the transaction pool must not keep
// a worker's PoAI submissions (fee-less, with deadlines) out of the chain.
//
// Floods the node with signed balance transfers from the twelve development accounts, keeping
// its pool full, from before the next PoAI round is issued until the worker <suri>//stash has
// committed to that round (poaiChallenges.Committed). Passes when the commitment landed while
// the pool was refusing transfers for lack of room (so the flood really filled it); fails when
// the pool never filled or the commitment did not land in time.
//
// Start the node with a small pool (e.g. `--pool-limit 256`) so that a flood from one process
// fills it faster than blocks drain it.
//
// standalone: node tests/pool-flood.js ws://127.0.0.1:9944 //Alice <timeoutSecs>

const { WsProvider } = require('@polkadot/api');
const { Keyring } = require('@polkadot/keyring');
const { cryptoWaitReady } = require('@polkadot/util-crypto');
const { connect, numArg, runStandalone, withTimeout, wsUriOf } = require('./common');

const DEV_ACCOUNTS = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];
// Transfers signed per account and batch: each batch waits for the pool's answers, so the
// flood keeps up with the pool's refusals instead of queueing unbounded promises.
const PER_ACCOUNT_BATCH = 8;
// How a pool without room answers (polkadot-sdk's pool errors 1014 and 1016).
const POOL_FULL = /Priority is too low|Immediately Dropped|limit/i;

function log(msg) {
  console.log(`[pool-flood] ${msg}`);
}

async function run(nodeName, networkInfo, args) {
  const suri = String((args && args[0]) || '//Alice').trim();
  const timeoutS = numArg(args, 1, 180, 'timeoutSecs');
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const wsUri = wsUriOf(nodeName, networkInfo);
  const api = await connect(wsUri);
  // The flood goes through a provider of its own: @polkadot/api logs every refused RPC call,
  // and a full pool refuses thousands.
  const flood = new WsProvider(wsUri, false);
  try {
    await withTimeout(flood.connect().then(() => flood.isReady), 30, 'connecting the flood provider');
    const stash = keyring.addFromUri(`${suri}//stash`).address;
    const senders = DEV_ACCOUNTS.flatMap((name) => [
      keyring.addFromUri(`//${name}`),
      keyring.addFromUri(`//${name}//stash`),
    ]);
    const dest = keyring.addFromUri('//PoolFloodSink').address;
    const amount = api.consts.balances.existentialDeposit.toBigInt();
    const genesisHash = api.genesisHash;
    const nonces = await Promise.all(senders.map((s) => api.rpc.system.accountNextIndex(s.address)));
    const next = nonces.map((n) => n.toNumber());

    const last = await api.query.poaiChallenges.lastRound();
    const target = last.isSome ? last.unwrap().toNumber() + 1 : 0;
    log(`flooding until ${suri}'s worker commits to round ${target} (within ${timeoutS} s)`);

    // Watch the blocks for the round's issue and the worker's commitment.
    let issuedAt = null;
    let committedAt = null;
    let fullBeforeCommit = 0;
    const unsub = await api.rpc.chain.subscribeNewHeads(async (header) => {
      const events = await api.query.system.events.at(header.hash);
      for (const { event } of events) {
        if (event.section !== 'poaiChallenges') continue;
        const data = event.data.toJSON();
        if (event.method === 'RoundIssued' && data[0] === target && issuedAt === null) {
          issuedAt = header.number.toNumber();
          log(`round ${target} issued at #${issuedAt}`);
        }
        if (event.method === 'Committed' && data[0] === target && String(data[1]) === stash && committedAt === null) {
          committedAt = header.number.toNumber();
          log(`${suri} committed to round ${target} at #${committedAt}`);
        }
      }
    });

    const deadline = Date.now() + timeoutS * 1000;
    let accepted = 0;
    let full = 0;
    let other = 0;
    let batches = 0;
    try {
      while (committedAt === null && Date.now() < deadline && batches < 100_000) {
        batches += 1;
        const sent = [];
        for (let i = 0; i < senders.length; i += 1) {
          for (let j = 0; j < PER_ACCOUNT_BATCH; j += 1) {
            const nonce = next[i] + j;
            const tx = api.tx.balances.transferKeepAlive(dest, amount);
            await tx.signAsync(senders[i], { nonce, era: 0, blockHash: genesisHash });
            sent.push(
              flood
                .send('author_submitExtrinsic', [tx.toHex()])
                .then(() => ({ i, ok: true }))
                .catch((e) => ({ i, ok: false, message: String((e && e.message) || e) })),
            );
          }
        }
        const results = await Promise.all(sent);
        const landed = new Array(senders.length).fill(0);
        for (const r of results) {
          if (r.ok) {
            accepted += 1;
            landed[r.i] += 1;
          } else if (POOL_FULL.test(r.message)) {
            full += 1;
            if (committedAt === null) fullBeforeCommit += 1;
          } else {
            other += 1;
            if (other <= 3) log(`transfer refused: ${r.message}`);
          }
        }
        // A refused transfer leaves a gap in its account's nonces: start again from what the
        // node expects (its pool counted).
        for (let i = 0; i < senders.length; i += 1) {
          if (landed[i] === PER_ACCOUNT_BATCH) next[i] += PER_ACCOUNT_BATCH;
          else next[i] = (await api.rpc.system.accountNextIndex(senders[i].address)).toNumber();
        }
        if (batches % 20 === 0) {
          log(`batch ${batches}: ${accepted} transfers accepted, ${full} refused by a full pool, ${other} otherwise`);
        }
      }
    } finally {
      unsub();
    }
    log(`${accepted} transfers accepted, ${full} refused by a full pool (${fullBeforeCommit} before the commitment), ${other} otherwise`);
    if (committedAt === null) {
      throw new Error(`${suri} did not commit to round ${target} within ${timeoutS} s of flooding (issued: ${issuedAt})`);
    }
    if (fullBeforeCommit === 0) {
      throw new Error('the flood never filled the pool before the commitment; the test proves nothing');
    }
    return 0;
  } finally {
    await flood.disconnect().catch(() => {});
    await api.disconnect();
  }
}

module.exports = { run };

if (require.main === module) {
  runStandalone(module.exports, 'node tests/pool-flood.js ws://127.0.0.1:9944 [suri] [timeoutSecs]');
}
