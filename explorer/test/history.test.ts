// The history's derived views: round timelines and a worker's story, from decoded events.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PoaiEvent } from '../src/decode.js';
import { History, withinTolerance, workerState } from '../src/history.js';

const ALICE = 'alice';
const BOB = 'bob';
const DAVE = 'dave';

/** A round in which dave's outputs fail, are escalated, fail again, and he is slashed. */
function cheatersRound(history: History): void {
  const far = { relL2Ppm: 1_400_000, maxAbsPpm: 900_000 };
  const blocks: [number, PoaiEvent[]][] = [
    [10, [{ kind: 'RoundIssued', round: 2, workers: 3, models: 1, commitUntil: 16 }]],
    [12, [
      { kind: 'Committed', round: 2, worker: ALICE, model: 0, root: '0x01', wallTimeMs: 900 },
      { kind: 'Committed', round: 2, worker: DAVE, model: 0, root: '0x02', wallTimeMs: 3 },
    ]],
    [17, [
      { kind: 'Audited', round: 2, worker: DAVE, indices: [1, 5], verifiers: [ALICE, BOB] },
      { kind: 'AuditsDrawn', round: 2, audits: 1, verifyUntil: 21, revealUntil: 24 },
    ]],
    [18, [{ kind: 'VerificationCommitted', round: 2, worker: DAVE, panel: 'First', verifier: ALICE }]],
    [22, [{ kind: 'Verified', round: 2, worker: DAVE, panel: 'First', verifier: ALICE }, { kind: 'Revealed', round: 2, worker: DAVE, valid: true }]],
    [25, [
      { kind: 'Passed', round: 2, worker: ALICE, audited: false, points: 10 },
      { kind: 'OutcomeRecorded', who: ALICE, outcome: 'Passed', reputation: 600_000_000 },
      { kind: 'Judged', round: 2, worker: DAVE, panel: 'First', verdict: 'Fail', votes: [{ verifier: ALICE, agrees: false, distance: far }] },
      { kind: 'Escalated', round: 2, worker: DAVE, verifiers: [ALICE, BOB] },
    ]],
    [26, [{ kind: 'EscalationsDrawn', round: 2, escalations: 1, verifyUntil: 30, openUntil: 33 }]],
    [34, [
      { kind: 'Judged', round: 2, worker: DAVE, panel: 'Escalation', verdict: 'Fail', votes: [
        { verifier: ALICE, agrees: false, distance: far },
        { verifier: BOB, agrees: false, distance: far },
      ] },
      { kind: 'OutcomeRecorded', who: DAVE, outcome: 'Failed', reputation: 250_000_000 },
      { kind: 'Faulted', round: 2, worker: DAVE, fault: 'OutsideTolerance' },
      { kind: 'VerifierRewarded', round: 2, verifier: ALICE, worker: DAVE, points: 4 },
    ]],
    // The offence is applied later; the stash's Slashed precedes its OffenceSlashed.
    [35, [
      { kind: 'Slashed', stash: DAVE, amount: 200n },
      { kind: 'Slashed', stash: BOB, amount: 5n },
      { kind: 'OffenceSlashed', validator: DAVE, session: 2, fraction: 200_000_000 },
      { kind: 'Chilled', stash: DAVE },
    ]],
    [40, [{ kind: 'RoundClosed', round: 2 }]],
  ];
  for (const [block, events] of blocks) history.add(block, events);
}

test('a round timeline has the block of every phase and every worker state', () => {
  const history = new History(100);
  cheatersRound(history);
  const [round] = history.rounds();
  assert.ok(round);
  assert.equal(round.round, 2);
  assert.equal(round.issued?.block, 10);
  assert.deepEqual(round.commits, { count: 2, first: 12, last: 12 });
  assert.equal(round.auditsDrawn?.block, 17);
  assert.deepEqual(round.verifications, { count: 2, first: 18, last: 22 });
  assert.equal(round.escalationsDrawn?.block, 26);
  assert.deepEqual(round.verdicts, { count: 2, first: 25, last: 34 });
  assert.equal(round.closed, 40);
  assert.equal(workerState(round.workers.get(ALICE)!), 'passed');
  const dave = round.workers.get(DAVE)!;
  assert.equal(workerState(dave), 'faulted: OutsideTolerance');
  assert.deepEqual(dave.judgements.map((j) => [j.panel, j.verdict, j.block]), [['First', 'Fail', 25], ['Escalation', 'Fail', 34]]);
  assert.deepEqual(dave.audit?.indices, [1, 5]);
});

test("a worker's story links the slash to its offence and keeps the reputation curve", () => {
  const history = new History(100);
  cheatersRound(history);
  const dave = history.story(DAVE);
  assert.deepEqual(dave.reputation, [{ block: 34, reputation: 250_000_000, outcome: 'Failed' }]);
  assert.deepEqual(dave.slashes, [{ block: 35, session: 2, fraction: 200_000_000, amount: 200n }]);
  assert.deepEqual(dave.chilled, [35]);
  assert.equal(dave.rounds.length, 1);
  // Bob lost stake as a backer, not for an offence of his own; Alice earned as a verifier.
  assert.deepEqual(history.story(BOB).slashes, [{ block: 35, session: null, fraction: null, amount: 5n }]);
  const alice = history.story(ALICE);
  assert.deepEqual([alice.asVerifier.rewarded, alice.asVerifier.points, alice.slashes.length], [1, 4, 0]);
});

test('the history keeps the newest blocks within its capacity', () => {
  const history = new History(10);
  cheatersRound(history);
  assert.deepEqual([history.from, history.to], [31, 40]);
  assert.equal(history.has(30), false);
  const [round] = history.rounds();
  // What remains of round 2 is what the window holds: its issue is outside it.
  assert.equal(round?.issued, undefined);
  assert.equal(round?.closed, 40);
});

test('tolerance is read with both figures', () => {
  const tolerance = { relL2Ppm: 3_000, maxAbsPpm: 50_000 };
  const vote = (relL2Ppm: number, maxAbsPpm: number) => ({ verifier: ALICE, agrees: true, distance: { relL2Ppm, maxAbsPpm } });
  assert.equal(withinTolerance(vote(3_000, 50_000), tolerance), true);
  assert.equal(withinTolerance(vote(3_001, 0), tolerance), false);
  assert.equal(withinTolerance(vote(0, 50_001), tolerance), false);
});

test("a verifier's slash keeps the audit it voted in, with its vote and distances", () => {
  const history = new History(100);
  const far = { relL2Ppm: 1_400_000, maxAbsPpm: 900_000 };
  const near = { relL2Ppm: 10, maxAbsPpm: 20 };
  const blocks: [number, PoaiEvent[]][] = [
    [10, [{ kind: 'RoundIssued', round: 3, workers: 3, models: 1, commitUntil: 16 }]],
    [12, [{ kind: 'Committed', round: 3, worker: ALICE, model: 0, root: '0x01', wallTimeMs: 900 }]],
    [17, [{ kind: 'Audited', round: 3, worker: ALICE, indices: [2, 7], verifiers: [DAVE, BOB] }]],
    // Dave framed alice: the first committee splits, the escalation passes her.
    [25, [{ kind: 'Judged', round: 3, worker: ALICE, panel: 'First', verdict: 'Inconclusive', votes: [
      { verifier: DAVE, agrees: false, distance: far },
      { verifier: BOB, agrees: true, distance: near },
    ] }]],
    [34, [
      { kind: 'Judged', round: 3, worker: ALICE, panel: 'Escalation', verdict: 'Pass', votes: [{ verifier: BOB, agrees: true, distance: near }] },
      { kind: 'VerifierSlashed', round: 3, verifier: DAVE, worker: ALICE },
      { kind: 'Passed', round: 3, worker: ALICE, audited: true, points: 10 },
    ]],
    [35, [
      { kind: 'Slashed', stash: DAVE, amount: 70n },
      { kind: 'OffenceSlashed', validator: DAVE, session: 3, fraction: 200_000_000 },
    ]],
  ];
  for (const [block, events] of blocks) history.add(block, events);
  const dave = history.story(DAVE);
  // He has no round of his own here: the fault is his vote.
  assert.equal(dave.rounds.length, 0);
  assert.equal(dave.verifierFaults.length, 1);
  const [fault] = dave.verifierFaults;
  assert.equal(fault?.worker, ALICE);
  assert.equal(fault?.block, 34);
  assert.deepEqual(fault?.audit?.audit?.indices, [2, 7]);
  const own = fault?.audit?.judgements.flatMap((j) => j.votes).filter((v) => v.verifier === DAVE);
  assert.deepEqual(own, [{ verifier: DAVE, agrees: false, distance: far }]);
  assert.deepEqual(dave.slashes, [{ block: 35, session: 3, fraction: 200_000_000, amount: 70n }]);
  // A slash whose audit is outside the window is kept, without the votes.
  const late = new History(5);
  for (const [block, events] of blocks) late.add(block, events);
  assert.deepEqual(late.story(DAVE).verifierFaults.map((f) => [f.round, f.audit?.judgements.length ?? 0]), [[3, 1]]);
});
