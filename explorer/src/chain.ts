// The explorer's connection to a node: the API, the bounded history of finalized blocks, and
// the storage and runtime API reads of each page.

import { ApiPromise, WsProvider } from '@polkadot/api';
import type { Codec } from '@polkadot/types-codec/types';
import {
  decodeCandidate,
  decodeDisabled,
  decodeEvent,
  decodeLedger,
  decodeModel,
  decodeTier,
  decodeRanking,
  decodeReputationSummary,
  decodeRoundInfo,
  decodeScorecard,
  decodeStakingParams,
  type Account,
  type CandidateView,
  type ElectionParams,
  type EventLike,
  type LedgerView,
  type ModelView,
  type TierView,
  type PoaiEvent,
  type ReputationView,
  type RoundPhase,
  type ScorecardView,
} from './decode.js';
import { History } from './history.js';

/** Blocks fetched at once while loading history. */
const CONCURRENCY = 8;

export interface ChainInfo {
  chain: string;
  specName: string;
  specVersion: number;
  tokenSymbol: string;
  tokenDecimals: number;
}

/** Connects to `rpc`; rejects after `timeoutMs` without a connection. */
export async function connect(rpc: string, timeoutMs = 15_000): Promise<ApiPromise> {
  const provider = new WsProvider(rpc, 2_000, {}, timeoutMs);
  const api = new ApiPromise({ provider, noInitWarn: true, throwOnConnect: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection to ${rpc} within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([api.isReadyOrError, timeout]);
  } catch (error) {
    await api.disconnect().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return api;
}

export async function chainInfo(api: ApiPromise): Promise<ChainInfo> {
  const chain = await api.rpc.system.chain();
  const version = api.runtimeVersion;
  return {
    chain: chain.toString(),
    specName: version.specName.toString(),
    specVersion: version.specVersion.toNumber(),
    tokenSymbol: api.registry.chainTokens[0] ?? 'UNIT',
    tokenDecimals: api.registry.chainDecimals[0] ?? 12,
  };
}

/** The PoAI events of block `number`; throws when the node no longer has its state. */
async function blockEvents(api: ApiPromise, number: number): Promise<PoaiEvent[]> {
  const hash = await api.rpc.chain.getBlockHash(number);
  const at = await api.at(hash);
  const records = (await storage(at.query, 'system', 'events')()) as unknown as Iterable<{ event: EventLike }>;
  const decoded: PoaiEvent[] = [];
  for (const { event } of records) {
    const poai = decodeEvent(event);
    if (poai) decoded.push(poai);
  }
  return decoded;
}

/** Whether `error` says the node pruned the state asked for. */
function isPruned(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /discarded|pruned|not found|Unknown block/i.test(message);
}

/**
 * Loads finalized blocks `(history.to, upTo]` into `history`, newest first, stopping at the
 * look-back bound or at the first block whose state the node no longer has (recorded in
 * `history.missingReason`). `onProgress` is told how many blocks are in.
 */
export async function loadBlocks(
  api: ApiPromise,
  history: History,
  upTo: number,
  onProgress: (loaded: number, wanted: number) => void = () => undefined,
): Promise<void> {
  const lowest = Math.max(1, upTo - history.capacity + 1, (history.to ?? 0) + 1);
  const wanted = upTo - lowest + 1;
  let next = upTo;
  let loaded = 0;
  let stopped = false;
  const worker = async (): Promise<void> => {
    while (!stopped && next >= lowest) {
      const number = next--;
      try {
        history.add(number, await blockEvents(api, number));
        loaded += 1;
        onProgress(loaded, wanted);
      } catch (error) {
        if (!isPruned(error)) throw error;
        stopped = true;
        history.missingReason = `this node has pruned the state of block #${number} and older (run it with --state-pruning archive for full history)`;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** One account's row on the network page. */
export interface Participant {
  who: Account;
  validator: boolean;
  disabled: boolean;
  candidate: CandidateView | null;
  ledger: LedgerView | null;
  reputation: ReputationView | null;
  /** Its place in the next election's ranking (0-based), when it qualifies. */
  rank: number | null;
  score: bigint | null;
}

export interface NetworkView {
  session: number;
  params: ElectionParams;
  participants: Participant[];
}

type StorageKeyLike = { args: Codec[] };
type Entry = ((...args: unknown[]) => Promise<Codec>) & { entries(): Promise<[StorageKeyLike, Codec][]> };
type Sections<T> = Record<string, Record<string, T> | undefined>;

/** The storage item `section.item` of `query` (`api.query` or an `api.at(…).query`). */
function storage(query: unknown, section: string, item: string): Entry {
  const entry = (query as Sections<Entry>)[section]?.[item];
  if (!entry) throw new Error(`the node's runtime has no storage item ${section}.${item}: is it a PoAI chain?`);
  return entry;
}

/** The runtime API call `section.method` (from the metadata's runtime APIs). */
function runtimeCall(api: ApiPromise, section: string, method: string): (...args: unknown[]) => Promise<Codec> {
  const call = (api.call as unknown as Sections<(...args: unknown[]) => Promise<Codec>>)[section]?.[method];
  if (!call) throw new Error(`the node's runtime has no runtime API ${section}.${method}: is it a PoAI chain?`);
  return call;
}

const unwrap = (value: Codec): Codec => (value as unknown as { unwrap(): Codec }).unwrap();

/** The scorecard through `PoaiScorecardApi::scorecard`. */
export async function scorecardOf(api: ApiPromise, who: Account): Promise<ScorecardView | null> {
  return decodeScorecard(await runtimeCall(api, 'poaiScorecardApi', 'scorecard')(who));
}

/** Reputation through `PoaiReputationApi::summary`. */
export async function reputationOf(api: ApiPromise, who: Account): Promise<ReputationView | null> {
  return decodeReputationSummary(await runtimeCall(api, 'poaiReputationApi', 'summary')(who));
}

export async function network(api: ApiPromise): Promise<NetworkView> {
  const [validators, disabled, candidates, ledgers, params, ranking, session] = await Promise.all([
    storage(api.query, 'session', 'validators')(),
    storage(api.query, 'session', 'disabledValidators')(),
    storage(api.query, 'poaiStaking', 'candidates').entries(),
    storage(api.query, 'poaiStaking', 'ledger').entries(),
    storage(api.query, 'poaiStaking', 'params')(),
    runtimeCall(api, 'poaiStakingApi', 'rankedCandidates')(),
    storage(api.query, 'session', 'currentIndex')(),
  ]);
  const validatorList = [...(validators as unknown as Iterable<Codec>)].map((v) => v.toString());
  const disabledSet = new Set(decodeDisabled(disabled).map((index) => validatorList[index]));
  const candidateMap = new Map(candidates.map(([key, value]) => [key.args[0]!.toString(), decodeCandidate(unwrap(value))]));
  const ledgerMap = new Map(ledgers.map(([key, value]) => [key.args[0]!.toString(), decodeLedger(unwrap(value))]));
  const ranked = decodeRanking(ranking);
  const accounts = new Set<Account>([...validatorList, ...candidateMap.keys(), ...ledgerMap.keys()]);
  const participants = await Promise.all(
    [...accounts].map(async (who): Promise<Participant> => {
      const rank = ranked.findIndex((r) => r.who === who);
      return {
        who,
        validator: validatorList.includes(who),
        disabled: disabledSet.has(who),
        candidate: candidateMap.get(who) ?? null,
        ledger: ledgerMap.get(who) ?? null,
        reputation: await reputationOf(api, who),
        rank: rank >= 0 ? rank : null,
        score: rank >= 0 ? ranked[rank]!.score : null,
      };
    }),
  );
  participants.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.who.localeCompare(b.who));
  return { session: Number(session.toString()), params: decodeStakingParams(params), participants };
}

/** The model registry: its models (retired ones too), the active ids and the hardware tiers. */
export async function models(api: ApiPromise): Promise<{ models: ModelView[]; active: number[]; tiers: TierView[] }> {
  const [entries, active, tierEntries] = await Promise.all([
    storage(api.query, 'poaiModels', 'models').entries(),
    storage(api.query, 'poaiModels', 'activeModels')(),
    storage(api.query, 'poaiModels', 'tiers').entries(),
  ]);
  const list = entries
    .map(([key, value]) => decodeModel(Number(key.args[0]!.toString()), unwrap(value)))
    .sort((a, b) => a.id - b.id);
  const tiers = tierEntries
    .map(([key, value]) => decodeTier(Number(key.args[0]!.toString()), unwrap(value)))
    .sort((a, b) => a.id - b.id);
  return { models: list, active: [...(active as unknown as Iterable<Codec>)].map((id) => Number(id.toString())), tiers };
}

/** The rounds in flight and their phases. */
export async function roundsInFlight(api: ApiPromise): Promise<RoundPhase[]> {
  const entries = await storage(api.query, 'poaiChallenges', 'rounds').entries();
  return entries
    .map(([key, value]) => decodeRoundInfo(Number(key.args[0]!.toString()), unwrap(value)))
    .sort((a, b) => b.round - a.round);
}
