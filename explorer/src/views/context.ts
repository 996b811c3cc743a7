// What every page renders from: the API, the loaded history and the model registry.

import type { ApiPromise } from '@polkadot/api';
import type { ChainInfo } from '../chain.js';
import type { ModelView } from '../decode.js';
import type { History } from '../history.js';

export interface ViewContext {
  api: ApiPromise;
  info: ChainInfo;
  history: History;
  /** The model registry as last read (refreshed on every page render). */
  models: ModelView[];
}

/** Where the history shown starts, and why nothing older is shown. */
export function historyNote(history: History): string {
  if (history.from === null) return 'No finalized block loaded yet.';
  const range = `Events of finalized blocks #${history.from}–#${history.to}`;
  const before = history.from <= 1 ? 'that is the whole chain' : history.missingReason ?? `older blocks are outside the look-back of ${history.capacity} blocks (?lookback=N)`;
  return `${range}; ${before}.`;
}
