// Formatting and HTML helpers shared by the pages.

import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import type { Account } from './decode.js';

/** The development accounts' names, by address (the testnets' genesis validators use them). */
const names = new Map<Account, string>();

export async function loadDevNames(ss58Format: number): Promise<void> {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format });
  for (const name of ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']) {
    names.set(keyring.addFromUri(`//${name}`).address, name.toLowerCase());
    names.set(keyring.addFromUri(`//${name}//stash`).address, `${name.toLowerCase()} stash`);
  }
}

/** The development name of `who` (`dave`, `dave stash`), if it is one. */
export function nameOf(who: Account): string | null {
  return names.get(who) ?? null;
}

export function short(who: Account): string {
  return who.length > 14 ? `${who.slice(0, 6)}…${who.slice(-6)}` : who;
}

/** Escapes text for HTML. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A link to `who`'s worker page, by name when it has one. */
export function accountLink(who: Account): string {
  const name = nameOf(who);
  const label = name ? `<b>${esc(name)}</b> <span class="addr">${esc(short(who))}</span>` : `<span class="addr">${esc(short(who))}</span>`;
  return `<a href="#/worker/${esc(who)}" title="${esc(who)}">${label}</a>`;
}

/** Perbill parts as a percentage. */
export function percent(parts: number, digits = 1): string {
  return `${(parts / 1e7).toFixed(digits)}%`;
}

/** A ppm figure as a plain number ("∞" when saturated). */
export function ppm(value: number): string {
  return value >= 0xffffffff ? '∞' : value.toLocaleString('en-US');
}

let tokenSymbol = 'UNIT';
let tokenDecimals = 12;

export function setToken(symbol: string, decimals: number): void {
  tokenSymbol = symbol;
  tokenDecimals = decimals;
}

/** A balance in whole tokens with up to four decimals. */
export function balance(value: bigint | null): string {
  if (value === null) return '—';
  const unit = 10n ** BigInt(tokenDecimals);
  const whole = value / unit;
  const frac = ((value % unit) * 10_000n) / unit;
  const fracText = frac === 0n ? '' : `.${frac.toString().padStart(4, '0').replace(/0+$/, '')}`;
  return `${whole.toLocaleString('en-US')}${fracText} ${tokenSymbol}`;
}

export function blockLink(block: number | null | undefined): string {
  return block === null || block === undefined ? '—' : `<span class="block">#${block}</span>`;
}
