// The reputation chart (Chart.js, only the parts it uses).

import { Chart, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Filler);

/** Draws reputation (percent) against block number on `canvas`; returns the chart. */
export function reputationChart(canvas: HTMLCanvasElement, points: { block: number; reputation: number; outcome: string }[]): Chart {
  return new Chart(canvas, {
    type: 'line',
    data: {
      datasets: [
        {
          label: 'reputation',
          data: points.map((p) => ({ x: p.block, y: p.reputation / 1e7 })),
          stepped: 'before',
          borderColor: '#2f6fdf',
          backgroundColor: 'rgba(47, 111, 223, 0.12)',
          fill: true,
          pointRadius: 3,
          pointBackgroundColor: points.map((p) => (p.outcome === 'Passed' ? '#1f9d55' : '#d64545')),
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { type: 'linear', title: { display: true, text: 'block' }, ticks: { precision: 0 } },
        y: { min: 0, max: 100, title: { display: true, text: 'reputation %' } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (item) => `${(item.parsed.y ?? 0).toFixed(1)}% after ${points[item.dataIndex]?.outcome ?? ''} at #${item.parsed.x}`,
          },
        },
      },
    },
  });
}
