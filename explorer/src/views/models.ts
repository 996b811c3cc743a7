// The models page: the registry, with each model's hash, input, tolerance and hardware classes.

import { blockLink, esc, ppm } from '../format.js';
import type { ViewContext } from './context.js';

const flops = (value: bigint): string => {
  const n = Number(value);
  const units: [number, string][] = [[1e12, 'TFLOP'], [1e9, 'GFLOP'], [1e6, 'MFLOP'], [1e3, 'kFLOP']];
  const [scale, unit] = units.find(([s]) => n >= s) ?? [1, 'FLOP'];
  return `${(n / scale).toFixed(n >= scale * 100 ? 0 : 2)} ${unit}`;
};

export function renderModels(ctx: ViewContext): string {
  const rows = ctx.models
    .map((m) => {
      const classes = m.classes.map((c) => `${esc(c.hardwareClass)}: batch ${c.batchSize}, deadline ${c.deadlineBlocks} blocks`).join('<br>');
      const retired = m.status !== 'Active';
      return `<tr data-testid="model" data-status="${esc(m.status)}" class="${retired ? 'retired' : ''}">
        <td>${m.id}</td><td><b>${esc(m.name)}</b> ${retired ? '<span class="badge warn">retired</span>' : '<span class="badge ok">active</span>'}</td>
        <td class="addr" title="${esc(m.onnxHash)}">${esc(m.onnxHash.slice(0, 18))}…</td>
        <td>${esc(m.input.name)} [${m.input.shape.join(' × ')}], ${esc(m.input.kind)}</td>
        <td>${esc(m.output)} (${m.outputLen} values, 2<sup>−${m.scaleBits}</sup> units)</td>
        <td class="num">rel L2 ≤ ${ppm(m.tolerance.relL2Ppm)} ppm<br>max abs ≤ ${ppm(m.tolerance.maxAbsPpm)} ppm</td>
        <td class="num">${flops(m.flopsPerSample)}</td><td>${classes}</td>
        <td>${blockLink(m.registeredAt)}${m.updatedAt !== m.registeredAt ? `, updated ${blockLink(m.updatedAt)}` : ''}</td></tr>`;
    })
    .join('');
  return `<h2>Models</h2><p class="note">The challenge models the chain registers (retired ones are kept, marked). A sample passes when both
    distances between a worker's and a verifier's quantised outputs are within the tolerance.</p>
    <table data-testid="models"><thead><tr><th>Id</th><th>Name</th><th>ONNX hash</th><th>Input</th><th>Output</th><th>Tolerance</th>
    <th>FLOPs / sample</th><th>Hardware classes</th><th>Registered</th></tr></thead><tbody>${rows}</tbody></table>`;
}
