// Decoding of everything the explorer reads from the chain into plain, typed records.
//
// Every event the app reads is listed in EVENT_DECODERS (by `section.method`, as the metadata
// names it) and every storage item and runtime API result in the decoders below; the unit tests
// (test/decode.test.ts) build each one from the runtime's real metadata and decode it here, so a
// renamed field or a changed type fails a test instead of showing a wrong page.

import type { Codec } from '@polkadot/types-codec/types';

/** An SS58 address. */
export type Account = string;

/** Perbill parts (10^9 = 100%). */
export type Perbill = number;

/** Which committee judged an audit. */
export type Panel = 'First' | 'Escalation';

/** A committee's verdict. */
export type Verdict = 'Pass' | 'Fail' | 'Inconclusive';

/** How far a verifier's outputs are from the worker's, in the units of a model's tolerance. */
export interface Distance {
  relL2Ppm: number;
  maxAbsPpm: number;
}

/** One verifier's vote in a judgement. */
export interface Vote {
  verifier: Account;
  agrees: boolean;
  distance: Distance;
}

/** A PoAI event, decoded. */
export type PoaiEvent =
  | { kind: 'RoundIssued'; round: number; workers: number; models: number; commitUntil: number }
  | { kind: 'RoundSkipped'; round: number }
  | { kind: 'Committed'; round: number; worker: Account; model: number; root: string; wallTimeMs: number }
  | { kind: 'Audited'; round: number; worker: Account; indices: number[]; verifiers: Account[] }
  | { kind: 'AuditsDrawn'; round: number; audits: number; verifyUntil: number; revealUntil: number }
  | { kind: 'VerificationCommitted'; round: number; worker: Account; panel: Panel; verifier: Account }
  | { kind: 'Verified'; round: number; worker: Account; panel: Panel; verifier: Account }
  | { kind: 'Revealed'; round: number; worker: Account; valid: boolean }
  | { kind: 'Passed'; round: number; worker: Account; audited: boolean; points: number }
  | { kind: 'Missed'; round: number; worker: Account; streak: number }
  | { kind: 'VerifierExcused'; round: number; verifier: Account; worker: Account }
  | { kind: 'Suspended'; round: number; worker: Account; reported: boolean }
  | { kind: 'Faulted'; round: number; worker: Account; fault: string }
  | { kind: 'Inconclusive'; round: number; worker: Account }
  | { kind: 'Escalated'; round: number; worker: Account; verifiers: Account[] }
  | { kind: 'EscalationsDrawn'; round: number; escalations: number; verifyUntil: number; openUntil: number }
  | { kind: 'VerifierSlashed'; round: number; verifier: Account; worker: Account }
  | { kind: 'VerifierRewarded'; round: number; verifier: Account; worker: Account; points: number }
  | { kind: 'VerifierMissed'; round: number; verifier: Account; worker: Account }
  | { kind: 'RoundClosed'; round: number }
  | { kind: 'Judged'; round: number; worker: Account; panel: Panel; verdict: Verdict; votes: Vote[] }
  | { kind: 'OutcomeRecorded'; who: Account; outcome: string; reputation: Perbill }
  | { kind: 'OffenceSlashed'; validator: Account; session: number; fraction: Perbill }
  | { kind: 'OffenceIgnored'; validator: Account; session: number }
  | { kind: 'Slashed'; stash: Account; amount: bigint }
  | { kind: 'Chilled'; stash: Account }
  | { kind: 'Validating'; stash: Account; commission: Perbill; tier: number }
  | { kind: 'ValidatorsElected'; session: number; validators: Account[] }
  | { kind: 'ModelRegistered'; id: number; name: string; onnxHash: string }
  | { kind: 'ModelRetired'; id: number }
  | { kind: 'TierRegistered'; tier: number; name: string };

export type EventKind = PoaiEvent['kind'];

/** The named fields of an event's data. */
type Fields = Record<string, Codec>;

const num = (c: Codec): number => Number(c.toString());
const big = (c: Codec): bigint => BigInt(c.toString());
const str = (c: Codec): string => c.toString();
const bool = (c: Codec): boolean => c.toPrimitive() === true;
const list = (c: Codec): Codec[] => [...(c as unknown as Iterable<Codec>)];
const accounts = (c: Codec): Account[] => list(c).map(str);
/** A unit enum's variant name, e.g. `First`. */
const variant = (c: Codec): string => (c as unknown as { type: string }).type;
/** A `BoundedVec<u8>` of UTF-8 text. */
const text = (c: Codec): string => {
  const bytes = (c as unknown as { toU8a(bare: boolean): Uint8Array }).toU8a(true);
  return new TextDecoder().decode(bytes);
};

function field(fields: Fields, name: string): Codec {
  const value = fields[name];
  if (value === undefined) {
    throw new Error(`event field "${name}" is missing: the runtime's metadata changed`);
  }
  return value;
}

function distance(c: Codec): Distance {
  const d = c as unknown as { relL2Ppm: Codec; maxAbsPpm: Codec };
  return { relL2Ppm: num(d.relL2Ppm), maxAbsPpm: num(d.maxAbsPpm) };
}

function vote(c: Codec): Vote {
  const v = c as unknown as { verifier: Codec; agrees: Codec; distance: Codec };
  return { verifier: str(v.verifier), agrees: bool(v.agrees), distance: distance(v.distance) };
}

type Decoder = (f: Fields) => PoaiEvent;

/** Shorthand for the many events of a round and a worker. */
const roundWorker = (f: Fields) => ({ round: num(field(f, 'round')), worker: str(field(f, 'worker')) });

/** The events the explorer reads, by `section.method`, with their decoders. */
export const EVENT_DECODERS: Record<string, Decoder> = {
  'poaiChallenges.RoundIssued': (f) => ({
    kind: 'RoundIssued',
    round: num(field(f, 'round')),
    workers: num(field(f, 'workers')),
    models: num(field(f, 'models')),
    commitUntil: num(field(f, 'commitUntil')),
  }),
  'poaiChallenges.RoundSkipped': (f) => ({ kind: 'RoundSkipped', round: num(field(f, 'round')) }),
  'poaiChallenges.Committed': (f) => ({
    kind: 'Committed',
    ...roundWorker(f),
    model: num(field(f, 'model')),
    root: str(field(f, 'root')),
    wallTimeMs: num(field(f, 'wallTimeMs')),
  }),
  'poaiChallenges.Audited': (f) => ({
    kind: 'Audited',
    ...roundWorker(f),
    indices: list(field(f, 'indices')).map(num),
    verifiers: accounts(field(f, 'verifiers')),
  }),
  'poaiChallenges.AuditsDrawn': (f) => ({
    kind: 'AuditsDrawn',
    round: num(field(f, 'round')),
    audits: num(field(f, 'audits')),
    verifyUntil: num(field(f, 'verifyUntil')),
    revealUntil: num(field(f, 'revealUntil')),
  }),
  'poaiChallenges.VerificationCommitted': (f) => ({
    kind: 'VerificationCommitted',
    ...roundWorker(f),
    panel: variant(field(f, 'panel')) as Panel,
    verifier: str(field(f, 'verifier')),
  }),
  'poaiChallenges.Verified': (f) => ({
    kind: 'Verified',
    ...roundWorker(f),
    panel: variant(field(f, 'panel')) as Panel,
    verifier: str(field(f, 'verifier')),
  }),
  'poaiChallenges.Revealed': (f) => ({ kind: 'Revealed', ...roundWorker(f), valid: bool(field(f, 'valid')) }),
  'poaiChallenges.Passed': (f) => ({
    kind: 'Passed',
    ...roundWorker(f),
    audited: bool(field(f, 'audited')),
    points: num(field(f, 'points')),
  }),
  'poaiChallenges.Missed': (f) => ({ kind: 'Missed', ...roundWorker(f), streak: num(field(f, 'streak')) }),
  'poaiChallenges.VerifierExcused': (f) => ({
    kind: 'VerifierExcused',
    ...roundWorker(f),
    verifier: str(field(f, 'verifier')),
  }),
  'poaiChallenges.Suspended': (f) => ({
    kind: 'Suspended',
    ...roundWorker(f),
    reported: bool(field(f, 'reported')),
  }),
  'poaiChallenges.Faulted': (f) => ({ kind: 'Faulted', ...roundWorker(f), fault: variant(field(f, 'fault')) }),
  'poaiChallenges.Inconclusive': (f) => ({ kind: 'Inconclusive', ...roundWorker(f) }),
  'poaiChallenges.Escalated': (f) => ({
    kind: 'Escalated',
    ...roundWorker(f),
    verifiers: accounts(field(f, 'verifiers')),
  }),
  'poaiChallenges.EscalationsDrawn': (f) => ({
    kind: 'EscalationsDrawn',
    round: num(field(f, 'round')),
    escalations: num(field(f, 'escalations')),
    verifyUntil: num(field(f, 'verifyUntil')),
    openUntil: num(field(f, 'openUntil')),
  }),
  'poaiChallenges.VerifierSlashed': (f) => ({
    kind: 'VerifierSlashed',
    ...roundWorker(f),
    verifier: str(field(f, 'verifier')),
  }),
  'poaiChallenges.VerifierRewarded': (f) => ({
    kind: 'VerifierRewarded',
    ...roundWorker(f),
    verifier: str(field(f, 'verifier')),
    points: num(field(f, 'points')),
  }),
  'poaiChallenges.VerifierMissed': (f) => ({
    kind: 'VerifierMissed',
    ...roundWorker(f),
    verifier: str(field(f, 'verifier')),
  }),
  'poaiChallenges.RoundClosed': (f) => ({ kind: 'RoundClosed', round: num(field(f, 'round')) }),
  'poaiChallenges.Judged': (f) => ({
    kind: 'Judged',
    ...roundWorker(f),
    panel: variant(field(f, 'panel')) as Panel,
    verdict: variant(field(f, 'verdict')) as Verdict,
    votes: list(field(f, 'votes')).map(vote),
  }),
  'poaiReputation.OutcomeRecorded': (f) => ({
    kind: 'OutcomeRecorded',
    who: str(field(f, 'who')),
    outcome: variant(field(f, 'outcome')),
    reputation: num(field(f, 'reputation')),
  }),
  'poaiStaking.OffenceSlashed': (f) => ({
    kind: 'OffenceSlashed',
    validator: str(field(f, 'validator')),
    session: num(field(f, 'session')),
    fraction: num(field(f, 'fraction')),
  }),
  'poaiStaking.OffenceIgnored': (f) => ({
    kind: 'OffenceIgnored',
    validator: str(field(f, 'validator')),
    session: num(field(f, 'session')),
  }),
  'poaiStaking.Slashed': (f) => ({ kind: 'Slashed', stash: str(field(f, 'stash')), amount: big(field(f, 'amount')) }),
  'poaiStaking.Chilled': (f) => ({ kind: 'Chilled', stash: str(field(f, 'stash')) }),
  'poaiStaking.Validating': (f) => ({
    kind: 'Validating',
    stash: str(field(f, 'stash')),
    commission: num(field(f, 'commission')),
    tier: num(field(f, 'tier')),
  }),
  'poaiStaking.ValidatorsElected': (f) => ({
    kind: 'ValidatorsElected',
    session: num(field(f, 'session')),
    validators: accounts(field(f, 'validators')),
  }),
  'poaiModels.ModelRegistered': (f) => ({
    kind: 'ModelRegistered',
    id: num(field(f, 'id')),
    name: text(field(f, 'name')),
    onnxHash: str(field(f, 'onnxHash')),
  }),
  'poaiModels.ModelRetired': (f) => ({ kind: 'ModelRetired', id: num(field(f, 'id')) }),
  'poaiModels.TierRegistered': (f) => ({ kind: 'TierRegistered', tier: num(field(f, 'tier')), name: text(field(f, 'name')) }),
};

/** What the app needs of a runtime event: `api.events`' and the registry's `Event` both fit. */
export interface EventLike {
  section: string;
  method: string;
  data: Codec & { names: string[] | null } & Iterable<Codec>;
}

/** The PoAI event in `event`, or `null` for an event the explorer does not read. */
export function decodeEvent(event: EventLike): PoaiEvent | null {
  const decoder = EVENT_DECODERS[`${event.section}.${event.method}`];
  if (!decoder) return null;
  const names = event.data.names;
  if (!names) throw new Error(`${event.section}.${event.method} has unnamed fields`);
  const values = [...event.data];
  const fields: Fields = {};
  names.forEach((name, i) => {
    fields[name] = values[i] as Codec;
  });
  return decoder(fields);
}

// ---- storage and runtime API results --------------------------------------------------------

/** The storage items the explorer reads (`section.item`, as `api.query` names them). */
export const STORAGE_READ = [
  'system.events',
  'session.validators',
  'session.disabledValidators',
  'session.currentIndex',
  'poaiStaking.candidates',
  'poaiStaking.ledger',
  'poaiStaking.params',
  'poaiModels.models',
  'poaiModels.activeModels',
  'poaiModels.tiers',
  'poaiChallenges.rounds',
] as const;

/** The runtime API calls the explorer makes (`Api.method`, as the metadata names them). */
export const RUNTIME_APIS_READ = [
  'PoaiReputationApi.summary',
  'PoaiStakingApi.ranked_candidates',
  'PoaiScorecardApi.scorecard',
] as const;

/** A hardware tier's challenge size and deadline for a model. */
export interface TierParams {
  tier: number;
  batchSize: number;
  deadlineBlocks: number;
}

/** A registered hardware tier (`poaiModels.tiers`): what its hardware promises. */
export interface TierView {
  id: number;
  name: string;
  device: string;
  fp32Flops: bigint;
  int8Ops: bigint;
  memoryBytes: bigint;
}

/** A registered model (`poaiModels.models`). */
export interface ModelView {
  id: number;
  name: string;
  onnxHash: string;
  input: { name: string; shape: number[]; kind: string };
  /** A bit-exact integer model (int8 input): its int32 outputs are compared exactly, and its
   * `flopsPerSample` counts int8 operations. */
  integer: boolean;
  output: string;
  outputLen: number;
  scaleBits: number;
  tolerance: { relL2Ppm: number; maxAbsPpm: number };
  flopsPerSample: bigint;
  tiers: TierParams[];
  status: string;
  registeredAt: number;
  updatedAt: number;
}

type Struct = Record<string, Codec>;
const struct = (c: Codec): Struct => c as unknown as Struct;

function inputKind(c: Codec): string {
  const kind = c as unknown as { type: string; value: Codec };
  const value = struct(kind.value);
  if (kind.type === 'Uniform') {
    return `uniform [${num(value.minMilli!) / 1000}, ${num(value.maxMilli!) / 1000}]`;
  }
  if (kind.type === 'Tokens') return `tokens (vocabulary ${num(value.vocab!)})`;
  if (kind.type === 'Int8') return `int8 [${num(value.min!)}, ${num(value.max!)}] (bit-exact, compared exactly)`;
  return kind.type;
}

/** `poaiModels.models(id)`: a `ModelRecord`. */
export function decodeModel(id: number, record: Codec): ModelView {
  const r = struct(record);
  const spec = struct(r.spec!);
  const input = struct(spec.input!);
  const tolerance = struct(spec.tolerance!);
  return {
    id,
    name: text(spec.name!),
    onnxHash: str(spec.onnxHash!),
    input: { name: text(input.name!), shape: list(input.shape!).map(num), kind: inputKind(input.kind!) },
    integer: (input.kind as unknown as { type: string }).type === 'Int8',
    output: text(spec.output!),
    outputLen: num(spec.outputLen!),
    scaleBits: num(spec.scaleBits!),
    tolerance: { relL2Ppm: num(tolerance.relL2Ppm!), maxAbsPpm: num(tolerance.maxAbsPpm!) },
    flopsPerSample: big(spec.flopsPerSample!),
    tiers: list(spec.tiers!).map((c) => {
      const p = struct(c);
      return { tier: num(p.tier!), batchSize: num(p.batchSize!), deadlineBlocks: num(p.deadlineBlocks!) };
    }),
    status: variant(r.status!),
    registeredAt: num(r.registeredAt!),
    updatedAt: num(r.updatedAt!),
  };
}

/** `poaiModels.tiers(id)`: a `TierSpec`. */
export function decodeTier(id: number, spec: Codec): TierView {
  const t = struct(spec);
  return {
    id,
    name: text(t.name!),
    device: variant(t.device!),
    fp32Flops: big(t.fp32Flops!),
    int8Ops: big(t.int8Ops!),
    memoryBytes: big(t.memoryBytes!),
  };
}

/** A candidate (`poaiStaking.candidates`). */
export interface CandidateView {
  commission: Perbill;
  tier: number;
  selfBond: bigint;
  nominated: bigint;
}

export function decodeCandidate(info: Codec): CandidateView {
  const c = struct(info);
  return {
    commission: num(c.commission!),
    tier: num(c.tier!),
    selfBond: big(c.selfBond!),
    nominated: big(c.nominated!),
  };
}

/** A stash's bond (`poaiStaking.ledger`). */
export interface LedgerView {
  total: bigint;
  active: bigint;
  unlocking: bigint;
}

export function decodeLedger(ledger: Codec): LedgerView {
  const l = struct(ledger);
  const unlocking = list(l.unlocking!).reduce((sum, chunk) => sum + big(struct(chunk).value!), 0n);
  return { total: big(l.total!), active: big(l.active!), unlocking };
}

/** `PoaiReputationApi::summary`: the reputation and the record behind it. */
export interface ReputationView {
  reputation: Perbill;
  passes: number;
  failures: number;
  misses: number;
  lastUpdated: number;
}

/** An `Option<ReputationSummary>`; `null` for a worker never seen. */
export function decodeReputationSummary(summary: Codec): ReputationView | null {
  const option = summary as unknown as { isSome: boolean; unwrap(): Codec };
  if (!option.isSome) return null;
  const s = struct(option.unwrap());
  return {
    reputation: num(s.reputation!),
    passes: num(s.passes!),
    failures: num(s.failures!),
    misses: num(s.misses!),
    lastUpdated: num(s.lastUpdated!),
  };
}

/** `PoaiStakingApi::ranked_candidates`: who would qualify now, best first, with the score. */
export function decodeRanking(ranking: Codec): { who: Account; score: bigint }[] {
  return list(ranking).map((pair) => {
    const [who, score] = list(pair);
    return { who: str(who!), score: big(score!) };
  });
}

/** `poaiStaking.params`: what the election needs. */
export interface ElectionParams {
  maxValidators: number;
  minValidators: number;
  minValidatorBond: bigint;
  minReputation: Perbill;
}

export function decodeStakingParams(params: Codec): ElectionParams {
  const p = struct(params);
  return {
    maxValidators: num(p.maxValidators!),
    minValidators: num(p.minValidators!),
    minValidatorBond: big(p.minValidatorBond!),
    minReputation: num(p.minReputation!),
  };
}

/** `session.disabledValidators`: the indices (into `session.validators`) disabled now. */
export function decodeDisabled(disabled: Codec): number[] {
  return list(disabled).map((entry) => {
    const parts = (entry as unknown as { length?: number }).length !== undefined ? list(entry) : [entry];
    return num(parts[0]!);
  });
}

/** The phase of a round in flight (`poaiChallenges.rounds`), as one line. */
export interface RoundPhase {
  round: number;
  start: number;
  phase: string;
  until: number | null;
}

export function decodeRoundInfo(round: number, info: Codec): RoundPhase {
  const i = struct(info);
  const phase = i.phase as unknown as { type: string; value: Codec };
  const value = phase.value ? struct(phase.value) : {};
  const until = value.until ?? value.revealUntil ?? value.openUntil ?? null;
  return { round, start: num(i.start!), phase: phase.type, until: until ? num(until) : null };
}

/** `PoaiScorecardApi::scorecard`: the chain's decayed record of a worker's recent rounds. */
export interface ScorecardView {
  tier: number;
  round: number;
  /** Decayed counts, in rounds (the chain keeps milli-rounds). */
  committed: number;
  missed: number;
  auditsPassed: number;
  auditsFailed: number;
  medianLatency: number | null;
  tierMedianLatency: number | null;
  worstDistance: Distance;
}

const optionNumber = (c: Codec): number | null => {
  const option = c as unknown as { isSome: boolean; unwrap(): Codec };
  return option.isSome ? num(option.unwrap()) : null;
};

/** An `Option<ScorecardSummary>`; `null` for a worker never recorded. */
export function decodeScorecard(summary: Codec): ScorecardView | null {
  const option = summary as unknown as { isSome: boolean; unwrap(): Codec };
  if (!option.isSome) return null;
  const s = struct(option.unwrap());
  const card = struct(s.scorecard!);
  const rounds = (c: Codec): number => num(c) / 1000;
  return {
    tier: num(card.tier!),
    round: num(card.round!),
    committed: rounds(card.committed!),
    missed: rounds(card.missed!),
    auditsPassed: rounds(card.auditsPassed!),
    auditsFailed: rounds(card.auditsFailed!),
    medianLatency: optionNumber(s.medianLatency!),
    tierMedianLatency: optionNumber(s.tierMedianLatency!),
    worstDistance: distance(card.worstDistance!),
  };
}
