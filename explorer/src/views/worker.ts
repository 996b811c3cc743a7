// The worker page: "why is my score what it is?" Reputation over time, every round's outcome,
// and for each audit the opened samples, each verifier's vote with its distances against the
// model's tolerance, the escalation, and the offence and slash it led to, with their blocks.

import { reputationOf, scorecardOf } from '../chain.js';
import type { Account, ModelView, ScorecardView } from '../decode.js';
import { accountLink, balance, blockLink, esc, nameOf, percent, ppm } from '../format.js';
import { withinTolerance, workerState, type Judgement, type SlashRecord, type VerifierFault, type WorkerRound } from '../history.js';
import { reputationChart } from './chart.js';
import { historyNote, tierName, type ViewContext } from './context.js';
import type { Rendered } from './rendered.js';

/** A committee's votes against the tolerance; `self`'s own vote is marked when it is a verifier's page. */
function judgementTable(j: Judgement, model: ModelView | undefined, self?: Account): string {
  const tolerance = model?.tolerance;
  const rows = j.votes
    .map((v) => {
      const within = tolerance ? withinTolerance(v, tolerance) : null;
      const rel = tolerance ? `${ppm(v.distance.relL2Ppm)} <small>/ ${ppm(tolerance.relL2Ppm)}</small>` : ppm(v.distance.relL2Ppm);
      const abs = tolerance ? `${ppm(v.distance.maxAbsPpm)} <small>/ ${ppm(tolerance.maxAbsPpm)}</small>` : ppm(v.distance.maxAbsPpm);
      const own = v.verifier === self;
      return `<tr data-testid="vote" data-agrees="${v.agrees}"${own ? ' data-self="true" class="self"' : ''}><td>${accountLink(v.verifier)}${own ? ' <small>(this verifier)</small>' : ''}</td>
        <td class="${v.agrees ? 'ok' : 'bad'}">${v.agrees ? 'agrees' : 'disagrees'}</td>
        <td class="num ${within === false ? 'bad' : ''}">${rel}</td><td class="num ${within === false ? 'bad' : ''}">${abs}</td></tr>`;
    })
    .join('');
  return `<div class="judgement" data-testid="judgement" data-panel="${esc(j.panel)}" data-verdict="${esc(j.verdict)}">
    <b>${j.panel === 'First' ? 'First committee' : 'Escalation committee'}</b>: <span class="${j.verdict === 'Pass' ? 'ok' : 'bad'}">${esc(j.verdict)}</span> at ${blockLink(j.block)}
    <table class="votes"><thead><tr><th>Verifier</th><th>Vote</th><th>Relative L2 (ppm) / tolerance</th><th>Max abs (ppm) / tolerance</th></tr></thead>
    <tbody>${rows || '<tr><td colspan="4">no verifier opened</td></tr>'}</tbody></table></div>`;
}

/** The tolerance the votes were judged against; an integer model's outputs must be equal. */
function toleranceNote(model: ModelView | undefined): string {
  if (!model) return '';
  if (model.integer) return '<small>tolerance: none, the int32 outputs must be equal (a bit-exact integer model)</small>';
  return `<small>tolerance: relative L2 ≤ ${ppm(model.tolerance.relL2Ppm)} ppm, max abs ≤ ${ppm(model.tolerance.maxAbsPpm)} ppm of one unit</small>`;
}

function slashLine(s: SlashRecord): string {
  const offence = s.session !== null ? `offence of session ${s.session}, ${percent(s.fraction ?? 0, 0)} of the exposure` : 'as a backer of another offender';
  return `<li data-testid="slash">${blockLink(s.block)}: slashed ${balance(s.amount)} <small>(${esc(offence)})</small></li>`;
}

function roundCard(w: WorkerRound, ctx: ViewContext, slashes: SlashRecord[], issuedAt: number | undefined): string {
  const model = w.committed ? ctx.models.find((m) => m.id === w.committed!.model) : undefined;
  const state = workerState(w);
  const cls = state.startsWith('passed') ? 'ok' : state.startsWith('faulted') || state.startsWith('missed') ? 'bad' : '';
  const lines: string[] = [];
  if (w.committed) {
    const latency = issuedAt === undefined ? '' : `, ${w.committed.block - issuedAt} block${w.committed.block - issuedAt === 1 ? '' : 's'} after the issue`;
    lines.push(`committed on <b>${esc(model?.name ?? `model ${w.committed.model}`)}</b> at ${blockLink(w.committed.block)}${latency} <small>(root ${esc(w.committed.root.slice(0, 18))}…, self-reported ${w.committed.wallTimeMs} ms)</small>`);
  } else {
    lines.push('no commitment in the window');
  }
  if (w.audit) {
    lines.push(`audited at ${blockLink(w.audit.block)}: samples <b data-testid="indices">${esc(w.audit.indices.join(', '))}</b>, verifiers ${w.audit.verifiers.map(accountLink).join(', ')}`);
  }
  if (w.revealed) lines.push(`revealed at ${blockLink(w.revealed.block)}: ${w.revealed.valid ? 'every Merkle proof checks out' : '<span class="bad">a proof does not match the commitment</span>'}`);
  if (w.escalated) lines.push(`escalated at ${blockLink(w.escalated.block)} to ${w.escalated.verifiers.map(accountLink).join(', ')}`);
  for (const slashed of w.verifiersSlashed) lines.push(`verifier ${accountLink(slashed.verifier)} slashed at ${blockLink(slashed.block)} for standing against the final verdict`);
  if (w.suspended) lines.push(`suspended at ${blockLink(w.suspended.block)}${w.suspended.reported ? ' and reported' : ''}`);
  if (w.outcome) {
    const detail = w.outcome.kind === 'Passed' ? `, ${w.outcome.points} points` : '';
    lines.push(`<b class="${cls}">${esc(state)}</b> at ${blockLink(w.outcome.block)}${detail}`);
  }
  // A slash of this round's session is this round's outcome only when the worker's own work was
  // sanctioned (a fault, or a run of misses that suspended it); otherwise it was for a vote as a
  // verifier, shown with that audit under "Faults as a verifier".
  const ownOffence = w.outcome?.kind === 'Faulted' || w.suspended !== undefined;
  const roundSlashes = ownOffence ? slashes.filter((s) => s.session === w.round) : [];
  const tolerance = toleranceNote(model);
  return `<section class="round-card" data-testid="worker-round" data-round="${w.round}" data-state="${esc(state)}">
    <h4><a href="#/round/${w.round}">Round ${w.round}</a> <span class="${cls}">${esc(state)}</span></h4>
    <ul>${lines.map((l) => `<li>${l}</li>`).join('')}</ul>
    ${w.judgements.length ? `${tolerance}${w.judgements.map((j) => judgementTable(j, model)).join('')}` : ''}
    ${roundSlashes.length ? `<p><b class="bad">Led to:</b></p><ul>${roundSlashes.map(slashLine).join('')}</ul>` : ''}
  </section>`;
}

/**
 * A slash as a verifier: the audit it voted in, the committees' votes with its own marked (its
 * distances from the worker's revealed outputs against the tolerance), the final verdict it stood
 * against, and the slash it led to.
 */
function verifierFaultCard(f: VerifierFault, who: Account, ctx: ViewContext, slashes: SlashRecord[]): string {
  const audit = f.audit;
  const model = audit?.committed ? ctx.models.find((m) => m.id === audit.committed!.model) : undefined;
  const lines: string[] = [`slashed at ${blockLink(f.block)} for standing against the final verdict on ${accountLink(f.worker)}'s audit`];
  if (audit?.audit) lines.push(`the audit opened samples <b data-testid="indices">${esc(audit.audit.indices.join(', '))}</b> at ${blockLink(audit.audit.block)}`);
  if (audit?.outcome) lines.push(`the worker's round ended <b>${esc(workerState(audit))}</b> at ${blockLink(audit.outcome.block)}`);
  if (!audit) lines.push('<span class="note">that audit is outside the loaded window: its votes are not shown</span>');
  const judgements = audit?.judgements ?? [];
  const tolerance = toleranceNote(model);
  const ledTo = slashes.filter((s) => s.session === f.round || s.block === f.block);
  return `<section class="round-card" data-testid="verifier-fault" data-round="${f.round}" data-worker="${esc(f.worker)}">
    <h4><a href="#/round/${f.round}">Round ${f.round}</a> <span class="bad">slashed as a verifier</span></h4>
    <ul>${lines.map((l) => `<li>${l}</li>`).join('')}</ul>
    ${judgements.length ? `${tolerance}${judgements.map((j) => judgementTable(j, model, who)).join('')}` : ''}
    ${ledTo.length ? `<p><b class="bad">Led to:</b></p><ul>${ledTo.map(slashLine).join('')}</ul>` : ''}
  </section>`;
}

/** A decayed count of rounds: whole from ten on, two decimals below. */
const rounds = (x: number): string => (x >= 10 ? x.toFixed(0) : String(Number(x.toFixed(2))));

function scorecardBlock(card: ScorecardView | null, ctx: ViewContext): string {
  if (!card) return '<p data-testid="scorecard">No scorecard yet: the chain records one from the first round drawn.</p>';
  const blocks = (n: number | null): string => (n === null ? '—' : `${n} block${n === 1 ? '' : 's'}`);
  const latency = card.medianLatency === null ? 'no commitment on record' : blocks(card.medianLatency);
  const tierLatency = blocks(card.tierMedianLatency);
  return `<table class="scorecard" data-testid="scorecard"><tbody>
    <tr><th>Declared tier</th><td>${tierName(ctx.tiers, card.tier)}</td><th>Last round</th><td>${card.round}</td></tr>
    <tr><th>Rounds committed</th><td class="num">${rounds(card.committed)}</td><th>Rounds missed</th><td class="num ${card.missed > 0 ? 'bad' : ''}">${rounds(card.missed)}</td></tr>
    <tr><th>Audits passed</th><td class="num">${rounds(card.auditsPassed)}</td><th>Audits failed</th><td class="num ${card.auditsFailed > 0 ? 'bad' : ''}">${rounds(card.auditsFailed)}</td></tr>
    <tr><th>Median commit latency</th><td class="num" data-testid="latency">${latency}</td><th>Median of its tier</th><td class="num">${tierLatency}</td></tr>
    <tr><th>Largest distance in audits</th><td class="num" colspan="3">relative L2 ${ppm(card.worstDistance.relL2Ppm)} ppm, max abs ${ppm(card.worstDistance.maxAbsPpm)} ppm</td></tr>
  </tbody></table><p class="note">Counts decay by 1/16 per round (recent rounds weigh most); latency is counted by the chain, from the block that issued the round to the block that included the commitment, never from the time a worker reports.</p>`;
}

export async function renderWorker(ctx: ViewContext, who: Account): Promise<Rendered> {
  const [reputation, scorecard] = await Promise.all([reputationOf(ctx.api, who), scorecardOf(ctx.api, who)]);
  const timelines = ctx.history.rounds();
  const story = ctx.history.story(who, timelines);
  const issued = new Map(timelines.map((t) => [t.round, t.issued?.block]));
  const name = nameOf(who);
  const verifier = story.asVerifier;
  const summary = reputation
    ? `<b data-testid="reputation">${percent(reputation.reputation)}</b> — ${reputation.passes} passed, ${reputation.failures} failed, ${reputation.misses} missed rounds on record (last at #${reputation.lastUpdated})`
    : '<b data-testid="reputation">50.0%</b> — never recorded (a new worker starts at one half)';
  const slashes = story.slashes.length
    ? `<ul data-testid="slashes">${story.slashes.map(slashLine).join('')}</ul>`
    : '<p data-testid="slashes">No slash in the loaded window.</p>';
  const html = `<h2>${name ? esc(name) : 'Worker'} <small class="addr">${esc(who)}</small></h2>
    <p>Reputation now: ${summary}.</p>
    <p class="note">${esc(historyNote(ctx.history))}</p>
    <div class="chart"><canvas id="reputation-chart" data-testid="reputation-chart"></canvas></div>
    <h3>Scorecard</h3>${scorecardBlock(scorecard, ctx)}
    <p>As a verifier: ${verifier.rewarded} audits rewarded (${verifier.points} points), ${verifier.missed} missed, ${verifier.excused} excused,
    ${verifier.slashed.length ? `<span class="bad">slashed ${verifier.slashed.length}×</span> (${verifier.slashed.map((s) => `${blockLink(s.block)} on ${accountLink(s.event.worker)}'s round ${s.event.round}`).join(', ')})` : 'never slashed'}.</p>
    <h3>Offences and slashes</h3>${slashes}
    ${story.verifierFaults.length ? `<h3>Faults as a verifier</h3>${story.verifierFaults.map((f) => verifierFaultCard(f, who, ctx, story.slashes)).join('')}` : ''}
    ${story.chilled.length ? `<p class="bad">Chilled at ${story.chilled.map(blockLink).join(', ')}: removed from the candidates.</p>` : ''}
    <h3>Rounds</h3>
    ${story.rounds.map((w) => roundCard(w, ctx, story.slashes, issued.get(w.round))).join('') || '<p>No round of this worker in the loaded window.</p>'}`;
  return {
    html,
    mount(root) {
      const canvas = root.querySelector<HTMLCanvasElement>('#reputation-chart');
      if (canvas) reputationChart(canvas, story.reputation);
    },
  };
}
