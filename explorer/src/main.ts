// The explorer's entry point: connects to `?rpc=` (default alice's local node), loads a bounded
// window of finalized blocks, follows new ones, and renders the page the URL's hash names.

import type { ApiPromise } from '@polkadot/api';
import { chainInfo, connect, loadBlocks, models } from './chain.js';
import { esc, loadDevNames, setToken } from './format.js';
import { History } from './history.js';
import type { ViewContext } from './views/context.js';
import { renderModels } from './views/models.js';
import { renderNetwork } from './views/network.js';
import type { Rendered } from './views/rendered.js';
import { renderRound, renderRounds } from './views/rounds.js';
import { renderWorker } from './views/worker.js';

const DEFAULT_RPC = 'ws://127.0.0.1:9944';
const DEFAULT_LOOKBACK = 1200;

const params = new URLSearchParams(location.search);
const rpc = params.get('rpc') ?? DEFAULT_RPC;
const lookback = Math.max(1, Math.min(100_000, Number(params.get('lookback') ?? DEFAULT_LOOKBACK) || DEFAULT_LOOKBACK));

const content = document.getElementById('content')!;
const statusLine = document.getElementById('status')!;

function setStatus(text: string, state: 'ok' | 'busy' | 'bad' = 'ok'): void {
  statusLine.textContent = text;
  statusLine.dataset.state = state;
}

async function render(ctx: ViewContext): Promise<Rendered | string> {
  const route = location.hash.replace(/^#\/?/, '').split('/');
  const registry = await models(ctx.api);
  ctx.models = registry.models;
  ctx.tiers = registry.tiers;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    link.classList.toggle('active', link.dataset.page === (route[0] || 'network'));
  }
  switch (route[0]) {
    case 'rounds':
      return renderRounds(ctx);
    case 'round':
      return renderRound(ctx, Number(route[1]));
    case 'worker':
      return renderWorker(ctx, decodeURIComponent(route[1] ?? ''));
    case 'models':
      return renderModels(ctx);
    default:
      return renderNetwork(ctx);
  }
}

/** Renders the current page; a render asked for while one runs is done once after it. */
function renderer(ctx: ViewContext): () => void {
  let running = false;
  let again = false;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const page = await render(ctx);
      const rendered = typeof page === 'string' ? { html: page } : page;
      content.innerHTML = rendered.html;
      rendered.mount?.(content);
      document.body.dataset.rendered = location.hash || '#/network';
    } catch (error) {
      console.error(error);
      content.innerHTML = `<p class="bad">This page could not be read from the chain: ${esc(error instanceof Error ? error.message : error)}</p>`;
    } finally {
      running = false;
      if (again) {
        again = false;
        void run();
      }
    }
  };
  return () => void run();
}

async function follow(api: ApiPromise, ctx: ViewContext, refresh: () => void): Promise<void> {
  let loading = Promise.resolve();
  await api.rpc.chain.subscribeFinalizedHeads((header) => {
    const number = header.number.toNumber();
    loading = loading
      .then(() => loadBlocks(api, ctx.history, number))
      .then(() => {
        setStatus(`${ctx.info.chain} · ${ctx.info.specName} v${ctx.info.specVersion} · finalized #${number} · ${rpc}`);
        document.body.dataset.finalized = String(number);
        refresh();
      })
      .catch((error) => {
        console.error(error);
        setStatus(`reading block #${number} failed: ${error instanceof Error ? error.message : error}`, 'bad');
      });
  });
}

async function start(): Promise<void> {
  setStatus(`connecting to ${rpc} …`, 'busy');
  const api = await connect(rpc);
  const info = await chainInfo(api);
  setToken(info.tokenSymbol, info.tokenDecimals);
  await loadDevNames(api.registry.chainSS58 ?? 42);
  const ctx: ViewContext = { api, info, history: new History(lookback), models: [], tiers: [] };
  const refresh = renderer(ctx);
  window.addEventListener('hashchange', refresh);
  const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  setStatus(`loading the events of the last ${Math.min(lookback, finalized)} finalized blocks …`, 'busy');
  refresh();
  await loadBlocks(api, ctx.history, finalized, (loaded, wanted) => {
    if (loaded % 50 === 0) setStatus(`loading history: ${loaded} of ${wanted} blocks …`, 'busy');
  });
  document.body.dataset.history = `${ctx.history.from}-${ctx.history.to}`;
  await follow(api, ctx, refresh);
}

start().catch((error) => {
  console.error(error);
  setStatus(`${error instanceof Error ? error.message : error}`, 'bad');
  content.innerHTML = `<p class="bad">Could not connect to <code>${esc(rpc)}</code>. Start a network (<code>./scripts/start-local.sh</code>) or pass <code>?rpc=ws://host:port</code>.</p>`;
});
