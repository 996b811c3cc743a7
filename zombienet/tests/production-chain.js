'use strict';
// The production chain, read and governed through a plain @polkadot/api (what polkadot.js apps
// runs): hour-long sessions, the production parameters, no sudo key, and a council that is the
// only admin.
//
// standalone: node tests/production-chain.js ws://127.0.0.1:9944 template
//   a node on the built-in `--chain production` (the rehearsal launch set, nobody authors):
//   checks its genesis state.
// standalone: node tests/production-chain.js ws://127.0.0.1:9944 launched LAUNCH.json [timeoutSecs]
//   a node authoring on a spec from `scripts/production-spec.sh LAUNCH.json` as //Alice:
//   checks the genesis state against the launch file, that sudo and a plain signed admin call
//   are refused, and that a council motion (Alice and Bob) sets the protocol parameters.
// Returns 0; throws on any failure.

const fs = require('fs');
const { Keyring } = require('@polkadot/keyring');
const { cryptoWaitReady, decodeAddress, encodeAddress } = require('@polkadot/util-crypto');
const { connect, numArg, runStandalone, submitAndWaitFinalized, wsUriOf } = require('./common');
const { assertSuccess, eventsOf, passMotion } = require('./council');

const DEFAULT_TIMEOUT_S = 120;
// `ChainTiming::PRODUCTION` and the fields of `ProtocolParams::PRODUCTION` that differ from the
// testnets'.
const PRODUCTION_TIMING = { epochDuration: 1200, bondingDuration: 168, historyDepth: 336 };
const PRODUCTION_PROTOCOL = { commitWindow: 10, randomnessWindow: 4, verifyWindow: 30, revealWindow: 30, auditSamples: 8 };

function log(msg) {
  console.log(`[production-chain] ${msg}`);
}

function expectEqual(actual, expected, what) {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
  log(`${what}: ${a}`);
}

const canonical = (address) => encodeAddress(decodeAddress(address), 42);

async function checkGenesisState(api, expected) {
  expectEqual((await api.rpc.system.chain()).toString(), 'PoAI', 'chain name');
  expectEqual((await api.rpc.system.chainType()).type, 'Live', 'chain type');
  const babe = await api.call.babeApi.configuration();
  expectEqual(babe.epochLength.toNumber(), PRODUCTION_TIMING.epochDuration, 'BABE epoch length (slots per session)');
  const timing = (await api.query.poaiTiming.timing()).toJSON();
  expectEqual(timing, PRODUCTION_TIMING, 'chain timing');
  const params = (await api.query.poaiChallenges.params()).toJSON();
  for (const [field, value] of Object.entries(PRODUCTION_PROTOCOL)) {
    expectEqual(params[field], value, `protocol parameter ${field}`);
  }
  expectEqual((await api.query.sudo.key()).isNone, true, 'no sudo key');
  const council = (await api.query.councilMembership.members()).map((a) => a.toString());
  expectEqual([...council].sort(), expected.council.map(canonical).sort(), 'council');
  const validators = (await api.query.session.validators()).map((a) => a.toString());
  expectEqual([...validators].sort(), expected.validators.map((v) => canonical(v.stash)).sort(), 'genesis validators');
}

async function checkGovernance(api, timeoutS) {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
  const [alice, bob] = [keyring.addFromUri('//Alice'), keyring.addFromUri('//Bob')];
  const params = (await api.query.poaiChallenges.params()).toJSON();
  const changed = { ...params, verifyWindow: params.verifyWindow + 1 };
  const setParams = api.tx.poaiChallenges.setParams(changed);

  // There is no sudo key: sudo refuses even the council's members.
  const viaSudo = await submitAndWaitFinalized(api.tx.sudo.sudo(setParams), alice, timeoutS, log);
  const sudoFailure = viaSudo.events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
  if (!sudoFailure) throw new Error('sudo.sudo was accepted on a chain without a sudo key');
  const sudoError = api.registry.findMetaError(sudoFailure.event.data[0].asModule);
  expectEqual(`${sudoError.section}.${sudoError.name}`, 'sudo.RequireSudo', 'sudo.sudo refused');

  // A member alone has no admin origin.
  const direct = await submitAndWaitFinalized(setParams, alice, timeoutS, log);
  const directFailure = direct.events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
  if (!directFailure || !directFailure.event.data[0].isBadOrigin) {
    throw new Error('a council member set the protocol parameters alone');
  }
  log('a plain signed poaiChallenges.setParams is refused: BadOrigin');

  // Two of three members pass it.
  const { result, closed } = await passMotion(api, alice, [alice, bob], setParams, { timeoutS, log });
  if (!result.isOk) throw new Error(`the motion executed with an error: ${result.toString()}`);
  if (eventsOf(closed, 'poaiChallenges', 'ParamsSet').length !== 1) {
    throw new Error('the motion did not set the protocol parameters');
  }
  const now = (await api.query.poaiChallenges.params()).toJSON();
  expectEqual(now.verifyWindow, changed.verifyWindow, 'verify window after the council motion');
  assertSuccess(api, closed, 'council.close');
}

async function run(nodeName, networkInfo, args) {
  const wsUri = wsUriOf(nodeName, networkInfo);
  const mode = args && args[0];
  await cryptoWaitReady();
  const api = await connect(wsUri);
  try {
    if (mode === 'template') {
      // The rehearsal launch set compiled into the runtime.
      const launch = JSON.parse(
        fs.readFileSync(`${__dirname}/../../runtime/presets/production-launch.json`, 'utf8'),
      );
      await checkGenesisState(api, launch);
      const best = (await api.rpc.chain.getHeader()).number.toNumber();
      expectEqual(best, 0, 'best block (nobody holds the rehearsal keys)');
    } else if (mode === 'launched') {
      const launch = JSON.parse(fs.readFileSync(args[1], 'utf8'));
      const timeoutS = numArg(args, 2, DEFAULT_TIMEOUT_S, 'timeoutSecs');
      await checkGenesisState(api, launch);
      await checkGovernance(api, timeoutS);
    } else {
      throw new Error(`unknown mode '${mode}': template or launched`);
    }
    return 0;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };

if (require.main === module) {
  runStandalone(module.exports, 'node tests/production-chain.js <ws-uri> template | launched LAUNCH.json [timeoutSecs]');
}
