// Every event, storage item and runtime API result the explorer reads, built with the runtime's
// real metadata (test/metadata.scale, kept current by a runtime test) and decoded by the app.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Metadata, TypeRegistry } from '@polkadot/types';
import type { Codec } from '@polkadot/types-codec/types';
import { stringCamelCase, u8aConcat } from '@polkadot/util';
import {
  EVENT_DECODERS,
  RUNTIME_APIS_READ,
  STORAGE_READ,
  decodeCandidate,
  decodeDisabled,
  decodeEvent,
  decodeLedger,
  decodeModel,
  decodeTier,
  decodeRanking,
  decodeReputationSummary,
  decodeRoundInfo,
  decodeScorecard,
  decodeStakingParams,
  type EventLike,
  type PoaiEvent,
} from '../src/decode.js';

const registry = new TypeRegistry();
// The bundle runs from build/test/.
const metadata = new Metadata(registry, readFileSync(new URL('../../test/metadata.scale', import.meta.url)));
registry.setMetadata(metadata);
const latest = metadata.asLatest;

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const DAVE = '5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy';
const ROOT = `0x${'ab'.repeat(32)}`;

function pallet(section: string) {
  const found = latest.pallets.find((p) => stringCamelCase(p.name.toString()) === section);
  assert.ok(found, `the runtime has no pallet ${section}`);
  return found;
}

/** The SCALE bytes of `value` as the metadata's type `type`. */
function encode(type: number | { toNumber(): number }, value: unknown): Uint8Array {
  const id = typeof type === 'number' ? type : type.toNumber();
  return registry.createType(registry.createLookupType(id), value).toU8a();
}

function decodeAs(type: number | { toNumber(): number }, value: unknown): Codec {
  const id = typeof type === 'number' ? type : type.toNumber();
  const name = registry.createLookupType(id);
  return registry.createType(name, registry.createType(name, value).toU8a());
}

/** The runtime event `section.method` with `fields`, encoded and decoded as a node sends it. */
function runtimeEvent(section: string, method: string, fields: Record<string, unknown>): EventLike {
  const p = pallet(section);
  const variants = registry.lookup.getSiType(p.events.unwrap().type).def.asVariant.variants;
  const variant = variants.find((v) => v.name.toString() === method);
  assert.ok(variant, `${section} has no event ${method}`);
  const names = variant.fields.map((f) => stringCamelCase(f.name.unwrap().toString()));
  assert.deepEqual([...names].sort(), Object.keys(fields).sort(), `${section}.${method}: the fixture names every field`);
  const data = variant.fields.map((f, i) => encode(f.type, fields[names[i]!]));
  const bytes = u8aConcat(new Uint8Array([p.index.toNumber(), variant.index.toNumber()]), ...data);
  return registry.createType('Event', bytes) as unknown as EventLike;
}

const vote = (verifier: string, agrees: boolean, relL2Ppm: number, maxAbsPpm: number) => ({
  verifier,
  agrees,
  distance: { relL2Ppm, maxAbsPpm },
});

/** Per event the app reads: the fields it is built with, and what the app must make of it. */
const FIXTURES: Record<string, [Record<string, unknown>, PoaiEvent]> = {
  'poaiChallenges.RoundIssued': [{ round: 7, workers: 5, models: 2, commitUntil: 71 }, { kind: 'RoundIssued', round: 7, workers: 5, models: 2, commitUntil: 71 }],
  'poaiChallenges.RoundSkipped': [{ round: 3 }, { kind: 'RoundSkipped', round: 3 }],
  'poaiChallenges.Committed': [
    { round: 7, worker: DAVE, model: 1, root: ROOT, wallTimeMs: 5_731 },
    { kind: 'Committed', round: 7, worker: DAVE, model: 1, root: ROOT, wallTimeMs: 5_731 },
  ],
  'poaiChallenges.Audited': [
    { round: 7, worker: DAVE, indices: [2, 9, 30], verifiers: [ALICE, BOB] },
    { kind: 'Audited', round: 7, worker: DAVE, indices: [2, 9, 30], verifiers: [ALICE, BOB] },
  ],
  'poaiChallenges.AuditsDrawn': [
    { round: 7, audits: 4, verifyUntil: 80, revealUntil: 84 },
    { kind: 'AuditsDrawn', round: 7, audits: 4, verifyUntil: 80, revealUntil: 84 },
  ],
  'poaiChallenges.VerificationCommitted': [
    { round: 7, worker: DAVE, panel: 'Escalation', verifier: BOB },
    { kind: 'VerificationCommitted', round: 7, worker: DAVE, panel: 'Escalation', verifier: BOB },
  ],
  'poaiChallenges.Verified': [
    { round: 7, worker: DAVE, panel: 'First', verifier: ALICE },
    { kind: 'Verified', round: 7, worker: DAVE, panel: 'First', verifier: ALICE },
  ],
  'poaiChallenges.Revealed': [{ round: 7, worker: DAVE, valid: true }, { kind: 'Revealed', round: 7, worker: DAVE, valid: true }],
  'poaiChallenges.Passed': [
    { round: 7, worker: ALICE, audited: true, points: 12_345 },
    { kind: 'Passed', round: 7, worker: ALICE, audited: true, points: 12_345 },
  ],
  'poaiChallenges.Missed': [{ round: 7, worker: BOB, streak: 2 }, { kind: 'Missed', round: 7, worker: BOB, streak: 2 }],
  'poaiChallenges.VerifierExcused': [
    { round: 7, verifier: BOB, worker: DAVE },
    { kind: 'VerifierExcused', round: 7, verifier: BOB, worker: DAVE },
  ],
  'poaiChallenges.Suspended': [{ round: 7, worker: DAVE, reported: true }, { kind: 'Suspended', round: 7, worker: DAVE, reported: true }],
  'poaiChallenges.Faulted': [
    { round: 7, worker: DAVE, fault: 'OutsideTolerance' },
    { kind: 'Faulted', round: 7, worker: DAVE, fault: 'OutsideTolerance' },
  ],
  'poaiChallenges.Inconclusive': [{ round: 7, worker: DAVE }, { kind: 'Inconclusive', round: 7, worker: DAVE }],
  'poaiChallenges.Escalated': [
    { round: 7, worker: DAVE, verifiers: [ALICE, BOB] },
    { kind: 'Escalated', round: 7, worker: DAVE, verifiers: [ALICE, BOB] },
  ],
  'poaiChallenges.EscalationsDrawn': [
    { round: 7, escalations: 1, verifyUntil: 90, openUntil: 93 },
    { kind: 'EscalationsDrawn', round: 7, escalations: 1, verifyUntil: 90, openUntil: 93 },
  ],
  'poaiChallenges.VerifierSlashed': [
    { round: 7, verifier: BOB, worker: DAVE },
    { kind: 'VerifierSlashed', round: 7, verifier: BOB, worker: DAVE },
  ],
  'poaiChallenges.VerifierRewarded': [
    { round: 7, verifier: ALICE, worker: DAVE, points: 40 },
    { kind: 'VerifierRewarded', round: 7, verifier: ALICE, worker: DAVE, points: 40 },
  ],
  'poaiChallenges.VerifierMissed': [
    { round: 7, verifier: BOB, worker: DAVE },
    { kind: 'VerifierMissed', round: 7, verifier: BOB, worker: DAVE },
  ],
  'poaiChallenges.RoundClosed': [{ round: 7 }, { kind: 'RoundClosed', round: 7 }],
  'poaiChallenges.Judged': [
    {
      round: 7,
      worker: DAVE,
      panel: 'First',
      verdict: 'Fail',
      votes: [vote(ALICE, false, 1_414_213, 4_294_967_295), vote(BOB, true, 0, 0)],
    },
    {
      kind: 'Judged',
      round: 7,
      worker: DAVE,
      panel: 'First',
      verdict: 'Fail',
      votes: [vote(ALICE, false, 1_414_213, 4_294_967_295), vote(BOB, true, 0, 0)],
    },
  ],
  'poaiReputation.OutcomeRecorded': [
    { who: DAVE, outcome: 'Failed', reputation: 250_000_000 },
    { kind: 'OutcomeRecorded', who: DAVE, outcome: 'Failed', reputation: 250_000_000 },
  ],
  'poaiStaking.OffenceSlashed': [
    { validator: DAVE, session: 7, fraction: 200_000_000 },
    { kind: 'OffenceSlashed', validator: DAVE, session: 7, fraction: 200_000_000 },
  ],
  'poaiStaking.OffenceIgnored': [{ validator: DAVE, session: 1 }, { kind: 'OffenceIgnored', validator: DAVE, session: 1 }],
  // More than 2^53: balances must not go through a float.
  'poaiStaking.Slashed': [{ stash: DAVE, amount: '200000000000000001' }, { kind: 'Slashed', stash: DAVE, amount: 200_000_000_000_000_001n }],
  'poaiStaking.Chilled': [{ stash: DAVE }, { kind: 'Chilled', stash: DAVE }],
  'poaiStaking.Validating': [
    { stash: BOB, commission: 50_000_000, tier: 2 },
    { kind: 'Validating', stash: BOB, commission: 50_000_000, tier: 2 },
  ],
  'poaiStaking.ValidatorsElected': [
    { session: 9, validators: [ALICE, BOB] },
    { kind: 'ValidatorsElected', session: 9, validators: [ALICE, BOB] },
  ],
  'poaiModels.ModelRegistered': [
    { id: 1, name: 'tiny-lm', onnxHash: ROOT },
    { kind: 'ModelRegistered', id: 1, name: 'tiny-lm', onnxHash: ROOT },
  ],
  'poaiModels.ModelRetired': [{ id: 1 }, { kind: 'ModelRetired', id: 1 }],
  'poaiModels.TierRegistered': [{ tier: 3, name: 'gpu-141gb' }, { kind: 'TierRegistered', tier: 3, name: 'gpu-141gb' }],
};

test('every event the explorer reads has a fixture, and every fixture an app decoder', () => {
  assert.deepEqual(Object.keys(FIXTURES).sort(), Object.keys(EVENT_DECODERS).sort());
});

for (const [name, [fields, expected]] of Object.entries(FIXTURES)) {
  test(`decodes ${name}`, () => {
    const [section, method] = name.split('.') as [string, string];
    assert.deepEqual(decodeEvent(runtimeEvent(section, method, fields)), expected);
  });
}

test('events the explorer does not read decode to null', () => {
  const event = runtimeEvent('system', 'Remarked', { sender: ALICE, hash: ROOT });
  assert.equal(decodeEvent(event), null);
});

/** The value type of storage item `section.item`. */
function storageType(name: string): number {
  const [section, item] = name.split('.') as [string, string];
  const entry = pallet(section).storage.unwrap().items.find((i) => stringCamelCase(i.name.toString()) === item);
  assert.ok(entry, `the runtime has no storage item ${name}`);
  return entry.type.isPlain ? entry.type.asPlain.toNumber() : entry.type.asMap.value.toNumber();
}

/** The output type of runtime API call `Api.method`. */
function apiOutput(name: string): number {
  const [apiName, method] = name.split('.') as [string, string];
  const api = latest.apis.find((a) => a.name.toString() === apiName);
  assert.ok(api, `the runtime has no runtime API ${apiName}`);
  const m = api.methods.find((x) => x.name.toString() === method);
  assert.ok(m, `${apiName} has no method ${method}`);
  return m.output.toNumber();
}

test('every storage item and runtime API the explorer reads exists', () => {
  for (const name of STORAGE_READ) storageType(name);
  for (const name of RUNTIME_APIS_READ) apiOutput(name);
});

test('decodes poaiModels.models records', () => {
  const record = decodeAs(storageType('poaiModels.models'), {
    spec: {
      name: 'tiny-lm',
      onnxHash: ROOT,
      input: { name: 'tokens', shape: [1, 32], kind: { Tokens: { vocab: 512 } } },
      output: 'logits',
      outputLen: 4_096,
      scaleBits: 16,
      tolerance: { relL2Ppm: 3_000, maxAbsPpm: 50_000 },
      flopsPerSample: '249000000000',
      tiers: [
        { tier: 0, batchSize: 8, deadlineBlocks: 6 },
        { tier: 2, batchSize: 128, deadlineBlocks: 6 },
      ],
    },
    status: 'Retired',
    registeredAt: 0,
    updatedAt: 40,
  });
  assert.deepEqual(decodeModel(1, record), {
    id: 1,
    name: 'tiny-lm',
    onnxHash: ROOT,
    input: { name: 'tokens', shape: [1, 32], kind: 'tokens (vocabulary 512)' },
    integer: false,
    output: 'logits',
    outputLen: 4_096,
    scaleBits: 16,
    tolerance: { relL2Ppm: 3_000, maxAbsPpm: 50_000 },
    flopsPerSample: 249_000_000_000n,
    tiers: [
      { tier: 0, batchSize: 8, deadlineBlocks: 6 },
      { tier: 2, batchSize: 128, deadlineBlocks: 6 },
    ],
    status: 'Retired',
    registeredAt: 0,
    updatedAt: 40,
  });
  const uniform = decodeAs(storageType('poaiModels.models'), {
    spec: { name: 'mlp', input: { name: 'x', shape: [4], kind: { Uniform: { minMilli: -1000, maxMilli: 1000 } } }, tiers: [] },
    status: 'Active',
  });
  assert.equal(decodeModel(0, uniform).input.kind, 'uniform [-1, 1]');
  const integer = decodeAs(storageType('poaiModels.models'), {
    spec: { name: 'int8-gemm', input: { name: 'q', shape: [512], kind: { Int8: { min: -128, max: 127 } } }, tiers: [] },
    status: 'Active',
  });
  assert.equal(decodeModel(0, integer).input.kind, 'int8 [-128, 127] (bit-exact, compared exactly)');
  assert.equal(decodeModel(0, integer).integer, true);
  assert.equal(decodeModel(0, uniform).integer, false);
});

test('decodes poaiModels.tiers', () => {
  // Above 2^53 FLOP/s and bytes: the promises must not go through a float.
  const tier = decodeAs(storageType('poaiModels.tiers'), {
    name: 'gpu-80gb',
    device: 'Gpu',
    fp32Flops: '40000000000000',
    int8Ops: '18446744073709551615',
    memoryBytes: '85899345920',
  });
  assert.deepEqual(decodeTier(2, tier), {
    id: 2,
    name: 'gpu-80gb',
    device: 'Gpu',
    fp32Flops: 40_000_000_000_000n,
    int8Ops: 18_446_744_073_709_551_615n,
    memoryBytes: 85_899_345_920n,
  });
});

test('decodes staking candidates, ledgers and params', () => {
  const candidate = decodeAs(storageType('poaiStaking.candidates'), {
    commission: 50_000_000,
    tier: 1,
    selfBond: '1000000000000000',
    nominated: '250000000000000',
  });
  assert.deepEqual(decodeCandidate(candidate), {
    commission: 50_000_000,
    tier: 1,
    selfBond: 1_000_000_000_000_000n,
    nominated: 250_000_000_000_000n,
  });
  const ledger = decodeAs(storageType('poaiStaking.ledger'), {
    total: 1_500,
    active: 1_000,
    unlocking: [
      { value: 300, session: 9 },
      { value: 200, session: 10 },
    ],
    payee: 'Stash',
  });
  assert.deepEqual(decodeLedger(ledger), { total: 1_500n, active: 1_000n, unlocking: 500n });
  const params = decodeAs(storageType('poaiStaking.params'), {
    maxValidators: 100,
    minValidators: 3,
    minValidatorBond: 10_000,
    minReputation: 200_000_000,
  });
  assert.deepEqual(decodeStakingParams(params), {
    maxValidators: 100,
    minValidators: 3,
    minValidatorBond: 10_000n,
    minReputation: 200_000_000,
  });
});

test('decodes the session validators, disabled validators and index', () => {
  const validators = decodeAs(storageType('session.validators'), [ALICE, DAVE]);
  assert.deepEqual([...(validators as unknown as Iterable<Codec>)].map(String), [ALICE, DAVE]);
  const type = registry.lookup.getTypeDef(storageType('session.disabledValidators'));
  // A (validator index, severity) pair in current polkadot-sdk; a bare index before.
  const value = type.type.includes('(') ? [[1, 200_000_000]] : [1];
  assert.deepEqual(decodeDisabled(decodeAs(storageType('session.disabledValidators'), value)), [1]);
  assert.equal(Number(decodeAs(storageType('session.currentIndex'), 12).toString()), 12);
});

test('decodes the active models and a round in flight', () => {
  const active = decodeAs(storageType('poaiModels.activeModels'), [0, 1]);
  assert.deepEqual([...(active as unknown as Iterable<Codec>)].map((c) => Number(c.toString())), [0, 1]);
  const round = decodeAs(storageType('poaiChallenges.rounds'), {
    start: 60,
    phase: { Open: { verifyUntil: 80, revealUntil: 84 } },
  });
  assert.deepEqual(decodeRoundInfo(7, round), { round: 7, start: 60, phase: 'Open', until: 84 });
  const commit = decodeAs(storageType('poaiChallenges.rounds'), { start: 60, phase: { Commit: { until: 66 } } });
  assert.deepEqual(decodeRoundInfo(7, commit), { round: 7, start: 60, phase: 'Commit', until: 66 });
  const pruning = decodeAs(storageType('poaiChallenges.rounds'), { start: 60, phase: 'Pruning' });
  assert.deepEqual(decodeRoundInfo(7, pruning), { round: 7, start: 60, phase: 'Pruning', until: null });
});

test('decodes the reputation summary and the election ranking of the runtime APIs', () => {
  const summary = decodeAs(apiOutput('PoaiReputationApi.summary'), {
    reputation: 900_000_000,
    alpha: '1000000000000000000',
    beta: 0,
    passes: 8,
    failures: 1,
    misses: 2,
    lastUpdated: 77,
  });
  assert.deepEqual(decodeReputationSummary(summary), { reputation: 900_000_000, passes: 8, failures: 1, misses: 2, lastUpdated: 77 });
  assert.equal(decodeReputationSummary(decodeAs(apiOutput('PoaiReputationApi.summary'), null)), null);
  const ranking = decodeAs(apiOutput('PoaiStakingApi.ranked_candidates'), [
    [BOB, '9000000000000000000'],
    [ALICE, 5],
  ]);
  assert.deepEqual(decodeRanking(ranking), [
    { who: BOB, score: 9_000_000_000_000_000_000n },
    { who: ALICE, score: 5n },
  ]);
});

test('decodes the scorecard of the runtime API', () => {
  const latency = Array.from({ length: 16 }, (_, i) => (i === 3 ? 1_875 : 0));
  const summary = decodeAs(apiOutput('PoaiScorecardApi.scorecard'), {
    scorecard: {
      tier: 1,
      round: 12,
      committed: 1_875,
      missed: 1_000,
      auditsPassed: 937,
      auditsFailed: 0,
      latency,
      worstDistance: { relL2Ppm: 12, maxAbsPpm: 30 },
    },
    medianLatency: 3,
    tierMedianLatency: null,
  });
  assert.deepEqual(decodeScorecard(summary), {
    tier: 1,
    round: 12,
    committed: 1.875,
    missed: 1,
    auditsPassed: 0.937,
    auditsFailed: 0,
    medianLatency: 3,
    tierMedianLatency: null,
    worstDistance: { relL2Ppm: 12, maxAbsPpm: 30 },
  });
  assert.equal(decodeScorecard(decodeAs(apiOutput('PoaiScorecardApi.scorecard'), null)), null);
});
