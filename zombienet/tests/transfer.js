'use strict';
// Signed balances.transferKeepAlive from //Alice to a freshly generated account.
// Passes when the extrinsic is included AND finalized with ExtrinsicSuccess, a
// matching balances.Transfer event, and the recipient's free balance (read at
// the finalized block) equal to the amount. Returns 0; throws on any failure.
//
// zombienet:  alice: js-script ./tests/transfer.js return is 0 within 180 seconds
//             optional: with "<amount>,<timeoutSecs>"  (amount in plancks)
// standalone: node tests/transfer.js ws://127.0.0.1:9944 [amount] [timeoutSecs]
//             e.g. against `poai-node --dev` (default RPC port 9944)

const { Keyring } = require('@polkadot/keyring');
const { cryptoWaitReady, mnemonicGenerate } = require('@polkadot/util-crypto');
const {
  connect,
  describeDispatchError,
  numArg,
  runStandalone,
  submitAndWaitFinalized,
  wsUriOf,
} = require('./common');

const DEFAULT_TIMEOUT_S = 120; // inclusion + finalization
const ED_MULTIPLIER = 10n; // default amount = 10 x existential deposit

function log(msg) {
  console.log(`[transfer] ${msg}`);
}

async function run(nodeName, networkInfo, args) {
  const wsUri = wsUriOf(nodeName, networkInfo);
  const amountArg = args && args[0] !== undefined && String(args[0]).trim() !== '' ? String(args[0]).trim() : null;
  const timeoutS = numArg(args, 1, DEFAULT_TIMEOUT_S, 'timeoutSecs');

  await cryptoWaitReady();
  log(`connecting to ${nodeName} at ${wsUri}`);
  const api = await connect(wsUri);
  try {
    const [chain, version] = await Promise.all([api.rpc.system.chain(), api.rpc.system.version()]);
    log(`chain '${chain}', node version ${version}, runtime ${api.runtimeVersion.specName} v${api.runtimeVersion.specVersion}`);

    const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
    const alice = keyring.addFromUri('//Alice');
    const recipient = keyring.addFromUri(mnemonicGenerate()); // fresh, never-seen account

    const ed = api.consts.balances.existentialDeposit.toBigInt();
    let amount;
    if (amountArg !== null) {
      if (!/^\d+$/.test(amountArg)) throw new Error(`invalid amount: '${amountArg}'`);
      amount = BigInt(amountArg);
    } else {
      amount = ed * ED_MULTIPLIER;
    }
    if (amount < ed) {
      throw new Error(`amount ${amount} is below the existential deposit ${ed}`);
    }

    const before = await api.query.system.account(recipient.address);
    if (before.data.free.toBigInt() !== 0n) {
      throw new Error(`fresh recipient ${recipient.address} unexpectedly has balance ${before.data.free}`);
    }
    const aliceFree = (await api.query.system.account(alice.address)).data.free.toBigInt();
    if (aliceFree < amount + ed) {
      throw new Error(`//Alice (${alice.address}) has ${aliceFree}, not enough to send ${amount} (ED ${ed})`);
    }
    log(`sending ${amount} (ED ${ed}) from //Alice ${alice.address} to ${recipient.address}`);

    const tx = api.tx.balances.transferKeepAlive(recipient.address, amount);
    const result = await submitAndWaitFinalized(tx, alice, timeoutS, log);
    const blockHash = result.status.asFinalized;

    if (result.dispatchError) {
      throw new Error(`extrinsic failed: ${describeDispatchError(api, result.dispatchError)}`);
    }
    const events = result.events.map(({ event }) => event);
    log(`events: ${events.map((e) => `${e.section}.${e.method}`).join(', ')}`);
    if (!events.some((e) => api.events.system.ExtrinsicSuccess.is(e))) {
      throw new Error('no system.ExtrinsicSuccess event for the transfer');
    }
    if (events.some((e) => api.events.system.ExtrinsicFailed.is(e))) {
      throw new Error('system.ExtrinsicFailed event for the transfer');
    }
    const transfer = events.find((e) => api.events.balances.Transfer.is(e));
    if (!transfer) {
      throw new Error('no balances.Transfer event for the transfer');
    }
    const [from, to, transferred] = transfer.data;
    if (!from.eq(alice.publicKey) || !to.eq(recipient.publicKey) || transferred.toBigInt() !== amount) {
      throw new Error(`unexpected balances.Transfer event: ${transfer.data.toString()}`);
    }

    // Cross-check the block really is finalized on this node.
    const header = await api.rpc.chain.getHeader(blockHash);
    const finalizedHead = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
    if (finalizedHead.number.toBigInt() < header.number.toBigInt()) {
      throw new Error(`block #${header.number} reported finalized but finalized head is #${finalizedHead.number}`);
    }

    const apiAt = await api.at(blockHash);
    const after = await apiAt.query.system.account(recipient.address);
    const free = after.data.free.toBigInt();
    if (free !== amount) {
      throw new Error(`recipient free balance at #${header.number} is ${free}, expected ${amount}`);
    }
    log(`OK: ${amount} transferred in finalized block #${header.number} (${blockHash.toHex()})`);
    return 0;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };

if (require.main === module) {
  runStandalone(module.exports, 'node tests/transfer.js ws://127.0.0.1:9944 [amount] [timeoutSecs]');
}
