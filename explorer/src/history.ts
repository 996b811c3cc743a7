// The explorer's history: the PoAI events of a bounded window of finalized blocks, and what the
// pages derive from them (round timelines, a worker's story). Pure: no network, no DOM, so the
// unit tests drive it with decoded events.

import type { Account, Panel, PoaiEvent, Verdict, Vote } from './decode.js';

/** An event and the block that holds it. */
export interface Located<E = PoaiEvent> {
  block: number;
  event: E;
}

type Of<K extends PoaiEvent['kind']> = Extract<PoaiEvent, { kind: K }>;

/** A committee's judgement, with its block. */
export interface Judgement {
  block: number;
  panel: Panel;
  verdict: Verdict;
  votes: Vote[];
}

/** How a worker's round ended. */
export type Outcome =
  | { kind: 'Passed'; block: number; audited: boolean; points: number }
  | { kind: 'Faulted'; block: number; fault: string }
  | { kind: 'Missed'; block: number; streak: number }
  | { kind: 'Inconclusive'; block: number };

/** A slash of a stash, with the offence behind it when the same block reported one. */
export interface SlashRecord {
  block: number;
  session: number | null;
  fraction: number | null;
  amount: bigint | null;
}

/** One worker in one round: every step the chain recorded. */
export interface WorkerRound {
  round: number;
  worker: Account;
  committed?: { block: number; model: number; root: string; wallTimeMs: number };
  audit?: { block: number; indices: number[]; verifiers: Account[] };
  revealed?: { block: number; valid: boolean };
  verifications: { block: number; panel: Panel; verifier: Account; opened: boolean }[];
  judgements: Judgement[];
  escalated?: { block: number; verifiers: Account[] };
  outcome?: Outcome;
  suspended?: { block: number; reported: boolean };
  /** Verifiers slashed for standing against this audit's final verdict. */
  verifiersSlashed: { block: number; verifier: Account }[];
}

/** A round's timeline: the block of each phase, and every worker's state. */
export interface RoundTimeline {
  round: number;
  issued?: { block: number; workers: number; models: number; commitUntil: number };
  skipped?: number;
  commits: Span;
  auditsDrawn?: { block: number; audits: number; verifyUntil: number; revealUntil: number };
  verifications: Span;
  reveals: Span;
  escalationsDrawn?: { block: number; escalations: number; verifyUntil: number; openUntil: number };
  verdicts: Span;
  closed?: number;
  workers: Map<Account, WorkerRound>;
}

/** How many events of a kind, and the blocks of the first and last. */
export interface Span {
  count: number;
  first: number | null;
  last: number | null;
}

/**
 * A slash of a verifier that stood against an audit's final verdict (it vouched for a cheat or
 * framed an honest worker): the audit it voted in, whose judgements hold its vote and distances.
 */
export interface VerifierFault {
  block: number;
  round: number;
  /** The audited worker. */
  worker: Account;
  /** The audited worker's round, when the loaded window holds it. */
  audit: WorkerRound | null;
}

/** A worker's story in the loaded window. */
export interface WorkerStory {
  worker: Account;
  reputation: { block: number; reputation: number; outcome: string }[];
  rounds: WorkerRound[];
  /** Its slashes as a verifier, each with the audit that decided against its vote. */
  verifierFaults: VerifierFault[];
  asVerifier: { rewarded: number; points: number; missed: number; excused: number; slashed: Located<Of<'VerifierSlashed'>>[] };
  slashes: SlashRecord[];
  chilled: number[];
}

const emptySpan = (): Span => ({ count: 0, first: null, last: null });

function note(span: Span, block: number): void {
  span.count += 1;
  span.first = span.first === null ? block : Math.min(span.first, block);
  span.last = span.last === null ? block : Math.max(span.last, block);
}

/** The events of blocks `[from, to]` (finalized), bounded to the newest `capacity` blocks. */
export class History {
  /** The first block loaded; `null` before anything is. */
  from: number | null = null;
  /** The last block loaded. */
  to: number | null = null;
  /** Why history before `from` is missing, when it is not simply outside the look-back. */
  missingReason: string | null = null;
  private readonly byBlock = new Map<number, PoaiEvent[]>();

  constructor(readonly capacity: number) {}

  /** Records block `block`'s PoAI events (in order); older blocks beyond capacity are dropped. */
  add(block: number, events: PoaiEvent[]): void {
    this.byBlock.set(block, events);
    this.from = this.from === null ? block : Math.min(this.from, block);
    this.to = this.to === null ? block : Math.max(this.to, block);
    while (this.to - this.from + 1 > this.capacity) {
      this.byBlock.delete(this.from);
      this.from += 1;
      this.missingReason = null;
    }
  }

  has(block: number): boolean {
    return this.byBlock.has(block);
  }

  /** Every event, oldest first. */
  events(): Located[] {
    const blocks = [...this.byBlock.keys()].sort((a, b) => a - b);
    return blocks.flatMap((block) => (this.byBlock.get(block) ?? []).map((event) => ({ block, event })));
  }

  /** Every round seen in the window, newest first. */
  rounds(): RoundTimeline[] {
    const rounds = new Map<number, RoundTimeline>();
    const timeline = (round: number): RoundTimeline => {
      let t = rounds.get(round);
      if (!t) {
        t = { round, commits: emptySpan(), verifications: emptySpan(), reveals: emptySpan(), verdicts: emptySpan(), workers: new Map() };
        rounds.set(round, t);
      }
      return t;
    };
    const workerIn = (t: RoundTimeline, worker: Account): WorkerRound => {
      let w = t.workers.get(worker);
      if (!w) {
        w = { round: t.round, worker, verifications: [], judgements: [], verifiersSlashed: [] };
        t.workers.set(worker, w);
      }
      return w;
    };
    for (const { block, event: e } of this.events()) {
      if (!('round' in e)) continue;
      const t = timeline(e.round);
      switch (e.kind) {
        case 'RoundIssued':
          t.issued = { block, workers: e.workers, models: e.models, commitUntil: e.commitUntil };
          break;
        case 'RoundSkipped':
          t.skipped = block;
          break;
        case 'Committed':
          note(t.commits, block);
          workerIn(t, e.worker).committed = { block, model: e.model, root: e.root, wallTimeMs: e.wallTimeMs };
          break;
        case 'Audited':
          workerIn(t, e.worker).audit = { block, indices: e.indices, verifiers: e.verifiers };
          break;
        case 'AuditsDrawn':
          t.auditsDrawn = { block, audits: e.audits, verifyUntil: e.verifyUntil, revealUntil: e.revealUntil };
          break;
        case 'VerificationCommitted':
        case 'Verified':
          note(t.verifications, block);
          workerIn(t, e.worker).verifications.push({ block, panel: e.panel, verifier: e.verifier, opened: e.kind === 'Verified' });
          break;
        case 'Revealed':
          note(t.reveals, block);
          workerIn(t, e.worker).revealed = { block, valid: e.valid };
          break;
        case 'Judged':
          workerIn(t, e.worker).judgements.push({ block, panel: e.panel, verdict: e.verdict, votes: e.votes });
          break;
        case 'Escalated':
          workerIn(t, e.worker).escalated = { block, verifiers: e.verifiers };
          break;
        case 'EscalationsDrawn':
          t.escalationsDrawn = { block, escalations: e.escalations, verifyUntil: e.verifyUntil, openUntil: e.openUntil };
          break;
        case 'Passed':
          note(t.verdicts, block);
          workerIn(t, e.worker).outcome = { kind: 'Passed', block, audited: e.audited, points: e.points };
          break;
        case 'Faulted':
          note(t.verdicts, block);
          workerIn(t, e.worker).outcome = { kind: 'Faulted', block, fault: e.fault };
          break;
        case 'Missed':
          note(t.verdicts, block);
          workerIn(t, e.worker).outcome = { kind: 'Missed', block, streak: e.streak };
          break;
        case 'Inconclusive':
          note(t.verdicts, block);
          workerIn(t, e.worker).outcome = { kind: 'Inconclusive', block };
          break;
        case 'Suspended':
          workerIn(t, e.worker).suspended = { block, reported: e.reported };
          break;
        case 'VerifierSlashed':
          workerIn(t, e.worker).verifiersSlashed.push({ block, verifier: e.verifier });
          break;
        case 'RoundClosed':
          t.closed = block;
          break;
        default:
          break;
      }
    }
    return [...rounds.values()].sort((a, b) => b.round - a.round);
  }

  /** `worker`'s reputation, rounds, verifier record, offences and slashes in the window. */
  story(worker: Account, rounds: RoundTimeline[] = this.rounds()): WorkerStory {
    const story: WorkerStory = {
      worker,
      reputation: [],
      rounds: rounds.flatMap((t) => (t.workers.has(worker) ? [t.workers.get(worker)!] : [])),
      verifierFaults: [],
      asVerifier: { rewarded: 0, points: 0, missed: 0, excused: 0, slashed: [] },
      slashes: [],
      chilled: [],
    };
    // In a block, the stash's `Slashed` comes before the `OffenceSlashed` that caused it.
    const amounts = new Map<number, bigint[]>();
    for (const { block, event: e } of this.events()) {
      switch (e.kind) {
        case 'OutcomeRecorded':
          if (e.who === worker) story.reputation.push({ block, reputation: e.reputation, outcome: e.outcome });
          break;
        case 'VerifierRewarded':
          if (e.verifier === worker) {
            story.asVerifier.rewarded += 1;
            story.asVerifier.points += e.points;
          }
          break;
        case 'VerifierMissed':
          if (e.verifier === worker) story.asVerifier.missed += 1;
          break;
        case 'VerifierExcused':
          if (e.verifier === worker) story.asVerifier.excused += 1;
          break;
        case 'VerifierSlashed':
          if (e.verifier === worker) {
            story.asVerifier.slashed.push({ block, event: e });
            const audit = rounds.find((t) => t.round === e.round)?.workers.get(e.worker) ?? null;
            story.verifierFaults.push({ block, round: e.round, worker: e.worker, audit });
          }
          break;
        case 'Slashed':
          if (e.stash === worker) amounts.set(block, [...(amounts.get(block) ?? []), e.amount]);
          break;
        case 'OffenceSlashed':
          if (e.validator === worker) {
            const amount = amounts.get(block)?.shift() ?? null;
            story.slashes.push({ block, session: e.session, fraction: e.fraction, amount });
          }
          break;
        case 'Chilled':
          if (e.stash === worker) story.chilled.push(block);
          break;
        default:
          break;
      }
    }
    // What is left was slashed for another's offence (as its backer).
    for (const [block, left] of amounts) {
      for (const amount of left) story.slashes.push({ block, session: null, fraction: null, amount });
    }
    story.slashes.sort((a, b) => a.block - b.block);
    return story;
  }
}

/** The state of a worker in a round, in a few words. */
export function workerState(w: WorkerRound): string {
  if (w.outcome) {
    switch (w.outcome.kind) {
      case 'Passed':
        return w.outcome.audited ? 'passed (audited)' : 'passed';
      case 'Faulted':
        return `faulted: ${w.outcome.fault}`;
      case 'Missed':
        return `missed (streak ${w.outcome.streak})`;
      case 'Inconclusive':
        return 'inconclusive: re-audited next round';
    }
  }
  if (w.escalated) return 'escalated';
  if (w.revealed) return w.revealed.valid ? 'revealed' : 'bad reveal';
  if (w.audit) return 'audited';
  if (w.committed) return 'committed';
  return 'challenged';
}

/** Whether a vote's distances are within a tolerance (the chain's exact check decides). */
export function withinTolerance(vote: Vote, tolerance: { relL2Ppm: number; maxAbsPpm: number }): boolean {
  return vote.distance.relL2Ppm <= tolerance.relL2Ppm && vote.distance.maxAbsPpm <= tolerance.maxAbsPpm;
}
