// The rounds page: each round's timeline (issued, commits, audit draw, verifications, reveals,
// escalations, verdicts, closed) with block numbers, and one round's workers and their state.

import { roundsInFlight } from '../chain.js';
import { accountLink, blockLink, esc } from '../format.js';
import { workerState, type RoundTimeline, type Span } from '../history.js';
import { historyNote, type ViewContext } from './context.js';

function span(s: Span): string {
  if (s.count === 0) return '—';
  return s.first === s.last ? `${s.count} at ${blockLink(s.first)}` : `${s.count}, ${blockLink(s.first)}–${blockLink(s.last)}`;
}

function outcomes(t: RoundTimeline): string {
  const counts = new Map<string, number>();
  for (const w of t.workers.values()) {
    if (w.outcome) counts.set(w.outcome.kind, (counts.get(w.outcome.kind) ?? 0) + 1);
  }
  const tone = (kind: string): string => (kind === 'Passed' ? 'ok' : kind === 'Inconclusive' ? 'warn' : 'bad');
  return [...counts].map(([kind, n]) => `<span class="${tone(kind)}">${n} ${esc(kind.toLowerCase())}</span>`).join(' · ');
}

export async function renderRounds(ctx: ViewContext): Promise<string> {
  const [timelines, inFlight] = await Promise.all([Promise.resolve(ctx.history.rounds()), roundsInFlight(ctx.api)]);
  const phases = new Map(inFlight.map((p) => [p.round, p]));
  const rows = timelines
    .map((t) => {
      const phase = phases.get(t.round);
      const now = phase ? `<span class="badge">${esc(phase.phase)}${phase.until ? ` until #${phase.until}` : ''}</span>` : t.closed ? '<span class="badge ok">closed</span>' : '';
      const issued = t.issued ? `${blockLink(t.issued.block)} <small>${t.issued.workers} workers, commits until #${t.issued.commitUntil}</small>` : t.skipped ? `skipped at ${blockLink(t.skipped)}` : '<small>before the window</small>';
      const audits = t.auditsDrawn ? `${t.auditsDrawn.audits} at ${blockLink(t.auditsDrawn.block)}` : '—';
      const escalations = t.escalationsDrawn ? `${t.escalationsDrawn.escalations} at ${blockLink(t.escalationsDrawn.block)}` : '—';
      return `<tr data-testid="round" data-round="${t.round}">
        <td><a href="#/round/${t.round}">round ${t.round}</a> ${now}</td>
        <td>${issued}</td><td>${span(t.commits)}</td><td>${audits}</td><td>${span(t.verifications)}</td>
        <td>${span(t.reveals)}</td><td>${escalations}</td><td>${span(t.verdicts)}<br>${outcomes(t)}</td>
        <td>${blockLink(t.closed)}</td></tr>`;
    })
    .join('');
  return `<h2>Rounds</h2><p class="note">${esc(historyNote(ctx.history))} Live: the page follows finalized blocks.</p>
    <table data-testid="rounds"><thead><tr><th>Round</th><th>Issued</th><th>Commits</th><th>Audits drawn</th>
    <th>Verifications</th><th>Reveals</th><th>Escalations</th><th>Verdicts</th><th>Closed</th></tr></thead>
    <tbody>${rows || '<tr><td colspan="9">No round in the loaded window.</td></tr>'}</tbody></table>`;
}

export function renderRound(ctx: ViewContext, round: number): string {
  const t = ctx.history.rounds().find((r) => r.round === round);
  if (!t) return `<h2>Round ${round}</h2><p class="note">Not in the loaded window. ${esc(historyNote(ctx.history))}</p>`;
  const rows = [...t.workers.values()]
    .map((w) => {
      const model = w.committed ? ctx.models.find((m) => m.id === w.committed!.model)?.name ?? `model ${w.committed.model}` : '—';
      const audit = w.audit ? `samples ${esc(w.audit.indices.join(', '))} at ${blockLink(w.audit.block)}` : '—';
      const judged = w.judgements.map((j) => `${esc(j.panel)}: ${esc(j.verdict)} ${blockLink(j.block)}`).join('<br>') || '—';
      const state = workerState(w);
      return `<tr data-testid="round-worker"><td>${accountLink(w.worker)}</td><td>${esc(model)}</td>
        <td>${w.committed ? blockLink(w.committed.block) : '—'}</td><td>${audit}</td>
        <td>${w.revealed ? `${w.revealed.valid ? 'valid' : '<span class="bad">bad proof</span>'} ${blockLink(w.revealed.block)}` : '—'}</td>
        <td>${judged}</td><td class="${state.startsWith('passed') ? 'ok' : state.startsWith('faulted') || state.startsWith('missed') ? 'bad' : ''}">${esc(state)}</td></tr>`;
    })
    .join('');
  const step = (label: string, block: number | null | undefined, detail = ''): string => `<li><b>${label}</b> ${blockLink(block)} ${detail}</li>`;
  return `<h2>Round ${round}</h2>
    <ol class="timeline">
      ${step('issued', t.issued?.block, t.issued ? `${t.issued.workers} workers, ${t.issued.models} models, commits until #${t.issued.commitUntil}` : '')}
      ${step('commits', t.commits.last, `${t.commits.count} commits`)}
      ${step('audits drawn', t.auditsDrawn?.block, t.auditsDrawn ? `${t.auditsDrawn.audits} audits, verify until #${t.auditsDrawn.verifyUntil}, reveal until #${t.auditsDrawn.revealUntil}` : '')}
      ${step('verifications', t.verifications.last, `${t.verifications.count} commitments and openings`)}
      ${step('reveals', t.reveals.last, `${t.reveals.count} reveals`)}
      ${t.escalationsDrawn ? step('escalations drawn', t.escalationsDrawn.block, `${t.escalationsDrawn.escalations}, verify until #${t.escalationsDrawn.verifyUntil}`) : ''}
      ${step('verdicts', t.verdicts.last, outcomes(t))}
      ${step('closed and pruned', t.closed)}
    </ol>
    <table data-testid="round-workers"><thead><tr><th>Worker</th><th>Model</th><th>Committed</th><th>Audit</th><th>Reveal</th>
    <th>Judgements</th><th>State</th></tr></thead><tbody>${rows}</tbody></table>`;
}
