// What every page renders from: the API, the loaded history and the model registry.

import type { ApiPromise } from '@polkadot/api';
import type { ChainInfo } from '../chain.js';
import type { ModelView, TierView } from '../decode.js';
import { esc } from '../format.js';
import type { History } from '../history.js';

export interface ViewContext {
  api: ApiPromise;
  info: ChainInfo;
  history: History;
  /** The model registry as last read (refreshed on every page render). */
  models: ModelView[];
  /** The registered hardware tiers, read with the models. */
  tiers: TierView[];
}

/** A tier by its name and id (`gpu-24gb (tier 1)`); a tier the registry does not hold says so. */
export function tierName(tiers: TierView[], id: number): string {
  const tier = tiers.find((t) => t.id === id);
  return tier ? `${esc(tier.name)} <small>(tier ${id})</small>` : `tier ${id} <small class="bad">(not registered)</small>`;
}

/** Where the history shown starts, and why nothing older is shown. */
export function historyNote(history: History): string {
  if (history.from === null) return 'No finalized block loaded yet.';
  const range = `Events of finalized blocks #${history.from}–#${history.to}`;
  const before = history.from <= 1 ? 'that is the whole chain' : history.missingReason ?? `older blocks are outside the look-back of ${history.capacity} blocks (?lookback=N)`;
  return `${range}; ${before}.`;
}
