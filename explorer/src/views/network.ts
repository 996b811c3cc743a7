// The network page: validators and candidates, their tier, stake and reputation, and what the
// next election would pick (the runtime's own ranking, PoaiStakingApi::ranked_candidates).

import { network, type Participant } from '../chain.js';
import { accountLink, balance, esc, percent } from '../format.js';
import type { ElectionParams } from '../decode.js';
import { tierName, type ViewContext } from './context.js';

function status(p: Participant): string {
  const badges: string[] = [];
  if (p.validator) badges.push('<span class="badge ok">validator</span>');
  if (p.disabled) badges.push('<span class="badge bad">disabled</span>');
  if (p.candidate && !p.validator) badges.push('<span class="badge">candidate</span>');
  if (!p.candidate) badges.push('<span class="badge warn">chilled</span>');
  return badges.join(' ');
}

function nextElection(p: Participant, params: ElectionParams, qualified: number): string {
  if (p.rank === null) {
    const reasons: string[] = [];
    if (!p.candidate) reasons.push('not a candidate');
    else if (p.candidate.selfBond < params.minValidatorBond) reasons.push('self bond below the minimum');
    if (p.reputation && p.reputation.reputation < params.minReputation) reasons.push(`reputation below ${percent(params.minReputation, 0)}`);
    if (p.candidate && reasons.length === 0) reasons.push('no session keys');
    return `<span class="bad">does not qualify</span> <small>(${esc(reasons.join(', '))})</small>`;
  }
  if (qualified < params.minValidators) return `#${p.rank + 1} <small>(election skipped: ${qualified} &lt; ${params.minValidators} qualify)</small>`;
  return p.rank < params.maxValidators ? `<span class="ok">elected</span> #${p.rank + 1}` : `#${p.rank + 1}, not elected`;
}

export async function renderNetwork(ctx: ViewContext): Promise<string> {
  const view = await network(ctx.api);
  const qualified = view.participants.filter((p) => p.rank !== null).length;
  const rows = view.participants
    .map((p) => {
      const backing = p.candidate ? p.candidate.selfBond + p.candidate.nominated : null;
      const reputation = p.reputation ? percent(p.reputation.reputation) : '50.0% <small>(new)</small>';
      const record = p.reputation ? `<small>${p.reputation.passes} passed · ${p.reputation.failures} failed · ${p.reputation.misses} missed</small>` : '';
      return `<tr data-testid="participant" data-account="${esc(p.who)}">
        <td>${accountLink(p.who)}</td>
        <td>${status(p)}</td>
        <td>${p.candidate ? tierName(ctx.tiers, p.candidate.tier) : '—'}</td>
        <td class="num">${p.candidate ? percent(p.candidate.commission, 0) : '—'}</td>
        <td class="num">${balance(p.ledger?.active ?? null)}</td>
        <td class="num">${balance(backing)}</td>
        <td class="num">${reputation}<br>${record}</td>
        <td class="num">${balance(p.score)}</td>
        <td>${nextElection(p, view.params, qualified)}</td>
      </tr>`;
    })
    .join('');
  return `<h2>Network <small>session ${view.session}</small></h2>
    <p class="note">Every bonded account. Score = backing × reputation: the election of each session takes the
    ${view.params.maxValidators} best qualified candidates (self bond ≥ ${balance(view.params.minValidatorBond)},
    reputation ≥ ${percent(view.params.minReputation, 0)}, session keys set). The ranking is the runtime's own.</p>
    <table data-testid="network">
      <thead><tr><th>Account</th><th>Status</th><th>Tier</th><th>Commission</th><th>Own bond</th><th>Backing</th>
      <th>Reputation</th><th>Score</th><th>Next election</th></tr></thead>
      <tbody>${rows}</tbody>
    </table>`;
}
