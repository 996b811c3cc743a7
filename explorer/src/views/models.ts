// The models page: the hardware tiers, and the model registry with each model's hash, input,
// tolerance and the batch and deadline of every tier that serves it.

import type { ModelView } from '../decode.js';
import { blockLink, esc, ppm } from '../format.js';
import { tierName, type ViewContext } from './context.js';

const flops = (value: bigint): string => {
  const n = Number(value);
  const units: [number, string][] = [[1e12, 'TFLOP'], [1e9, 'GFLOP'], [1e6, 'MFLOP'], [1e3, 'kFLOP']];
  const [scale, unit] = units.find(([s]) => n >= s) ?? [1, 'FLOP'];
  return `${(n / scale).toFixed(n >= scale * 100 ? 0 : 2)} ${unit}`;
};

const bytes = (value: bigint): string => `${(Number(value) / 2 ** 30).toFixed(0)} GiB`;

function renderTiers(ctx: ViewContext): string {
  const rows = ctx.tiers
    .map(
      (t) => `<tr data-testid="tier" data-tier="${t.id}"><td>${t.id}</td><td><b>${esc(t.name)}</b></td><td>${esc(t.device)}</td>
        <td class="num">${flops(t.fp32Flops)}/s</td><td class="num">${t.int8Ops > 0n ? `${flops(t.int8Ops).replace('FLOP', 'OP')}/s` : '—'}</td>
        <td class="num">${bytes(t.memoryBytes)}</td></tr>`,
    )
    .join('');
  return `<h2>Hardware tiers</h2><p class="note">What a candidate declares. A model serves a tier only with a batch that hardware
    keeping the tier's promise computes in at most half the deadline, and that hardware with a tenth of the promise cannot
    compute within it: a worker that declares more than it has misses its deadlines.</p>
    <table data-testid="tiers"><thead><tr><th>Id</th><th>Name</th><th>Device</th><th>fp32 promise</th><th>int8 promise</th>
    <th>Memory</th></tr></thead><tbody>${rows || '<tr><td colspan="6">No tier registered.</td></tr>'}</tbody></table>`;
}

/** A float model's work in FLOPs, an integer model's in int8 operations. */
const ops = (m: ModelView, value: bigint): string => (m.integer ? `${flops(value).replace('FLOP', 'OP')} int8` : flops(value));

export function renderModels(ctx: ViewContext): string {
  const rows = ctx.models
    .map((m) => {
      const tiers = m.tiers
        .map((c) => `${tierName(ctx.tiers, c.tier)}: batch ${c.batchSize} (${ops(m, m.flopsPerSample * BigInt(c.batchSize))}), deadline ${c.deadlineBlocks} blocks`)
        .join('<br>');
      const retired = m.status !== 'Active';
      return `<tr data-testid="model" data-status="${esc(m.status)}" class="${retired ? 'retired' : ''}">
        <td>${m.id}</td><td><b>${esc(m.name)}</b> ${retired ? '<span class="badge warn">retired</span>' : '<span class="badge ok">active</span>'}</td>
        <td class="addr" title="${esc(m.onnxHash)}">${esc(m.onnxHash.slice(0, 18))}…</td>
        <td>${esc(m.input.name)} [${m.input.shape.join(' × ')}], ${esc(m.input.kind)}</td>
        <td>${esc(m.output)} (${m.outputLen} ${m.integer ? 'int32 values, as computed' : `values, 2<sup>−${m.scaleBits}</sup> units`})</td>
        <td class="num">${m.integer ? 'exact (int32, bit for bit)' : `rel L2 ≤ ${ppm(m.tolerance.relL2Ppm)} ppm<br>max abs ≤ ${ppm(m.tolerance.maxAbsPpm)} ppm`}</td>
        <td class="num">${ops(m, m.flopsPerSample)}</td><td>${tiers}</td>
        <td>${blockLink(m.registeredAt)}${m.updatedAt !== m.registeredAt ? `, updated ${blockLink(m.updatedAt)}` : ''}</td></tr>`;
    })
    .join('');
  return `${renderTiers(ctx)}<h2>Models</h2><p class="note">The challenge models the chain registers (retired ones are kept, marked). A sample passes when both
    distances between a worker's and a verifier's quantised outputs are within the tolerance.</p>
    <table data-testid="models"><thead><tr><th>Id</th><th>Name</th><th>ONNX hash</th><th>Input</th><th>Output</th><th>Tolerance</th>
    <th>Work / sample</th><th>Tiers served</th><th>Registered</th></tr></thead><tbody>${rows}</tbody></table>`;
}
