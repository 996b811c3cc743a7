// The explorer in a real browser (Debian's chromium, driven by puppeteer-core) against a live
// PoAI network: every page loads without a console error, the network page lists the genesis
// validators, the cheater's worker page shows his fault with the committee's distances and the
// slash it led to, and the honest validators' pages show no fault and no slash. Screenshots of
// each page are written to the screenshot folder.
//
//   node test/browser.mjs --rpc ws://127.0.0.1:9944 [--cheater dave] [--honest alice,bob,charlie]
//     [--validators alice,bob,charlie,dave,ferdie] [--screenshots ../docs/explorer] [--timeout 240]
//
// Exits 0 when every check passed; prints what failed otherwise. Everything it serves and
// visits is on 127.0.0.1.

import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import puppeteer from 'puppeteer-core';
import { serve } from '../scripts/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const rpc = option('rpc', 'ws://127.0.0.1:9944');
const cheater = option('cheater', 'dave');
const honest = option('honest', 'alice,bob,charlie').split(',').filter(Boolean);
const validators = option('validators', 'alice,bob,charlie,dave,ferdie').split(',').filter(Boolean);
const screenshots = resolve(option('screenshots', join(root, '..', 'docs', 'explorer')));
const timeoutMs = Number(option('timeout', '240')) * 1000;
const deadline = Date.now() + timeoutMs;
const chromium = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);

const log = (message) => console.log(`[explorer-browser] ${message}`);
const failures = [];
const check = (ok, message) => {
  log(`${ok ? 'ok  ' : 'FAIL'} ${message}`);
  if (!ok) failures.push(message);
};
const remaining = () => Math.max(1_000, deadline - Date.now());

if (!chromium) {
  console.error('[explorer-browser] no chromium: install Debian\'s chromium package (scripts/setup.sh does) or set CHROMIUM');
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'explorer.js'))) {
  console.error('[explorer-browser] dist/ is not built: run `npm run build` in explorer/');
  process.exit(2);
}

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519' });
const stash = (name) => keyring.addFromUri(`//${name[0].toUpperCase()}${name.slice(1)}//stash`).address;

mkdirSync(screenshots, { recursive: true });
const server = await serve(join(root, 'dist'), 0);
const base = `http://127.0.0.1:${server.address().port}/?rpc=${encodeURIComponent(rpc)}`;
log(`serving dist/ at ${base}; chromium ${chromium}; screenshots to ${screenshots}`);

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
const consoleErrors = [];
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));

  /** Opens `hash`, waits until the page rendered it with the history loaded and `selector` holds. */
  async function open(hash, selector, predicate = '() => true') {
    await page.goto(`${base}${hash}`, { waitUntil: 'domcontentloaded', timeout: remaining() });
    await page.waitForFunction(
      `document.body.dataset.history !== undefined && document.body.dataset.rendered === ${JSON.stringify(hash)} && document.querySelector(${JSON.stringify(selector)}) !== null && (${predicate})()`,
      { timeout: remaining(), polling: 500 },
    );
  }

  async function shot(name) {
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
    log(`screenshot ${name}.png`);
  }

  // Network: every genesis validator's stash is listed; the cheater is chilled.
  await open('#/network', '[data-testid=participant]');
  const participants = await page.$$eval('[data-testid=participant]', (rows) =>
    rows.map((row) => ({ account: row.dataset.account, text: row.textContent ?? '' })),
  );
  for (const name of validators) {
    check(participants.some((p) => p.account === stash(name)), `the network page lists ${name}`);
  }
  for (const name of honest) {
    const row = participants.find((p) => p.account === stash(name));
    check(row !== undefined && /validator/.test(row.text) && /elected/.test(row.text), `${name} is a validator and the next election picks it`);
  }
  const cheaterRow = participants.find((p) => p.account === stash(cheater));
  check(cheaterRow !== undefined && /chilled/.test(cheaterRow.text), `${cheater} is shown chilled`);
  await shot('network');

  // The cheater's worker page: his fault, with the committee's evidence and the slash. On the
  // zombienet network he is caught as a worker (half the rounds are audited: his fault is outside
  // the tolerance, decided by the committees with distances, or a missing reveal when the
  // finality check's pause caught his reveal window) or as a verifier (his made-up outputs voted
  // against an honest worker and the escalation decided against him), whichever comes first; a
  // slash chills him, so he may never be audited as a worker. The page must show whichever it
  // was, with its samples, the votes and the slash it led to.
  const cheaterHash = `#/worker/${stash(cheater)}`;
  const sanction = '[data-testid=worker-round][data-state^="faulted"], [data-testid=verifier-fault]';
  await open(cheaterHash, sanction, `() => document.querySelector('[data-testid=slash]')?.textContent.includes('slashed')`);
  const cards = await page.$$eval(sanction, (found) =>
    found.map((card) => ({
      asVerifier: card.dataset.testid === 'verifier-fault',
      round: card.dataset.round,
      state: card.dataset.state ?? 'slashed as a verifier',
      indices: card.querySelector('[data-testid=indices]')?.textContent ?? '',
      judgements: [...card.querySelectorAll('[data-testid=judgement]')].map((j) => ({
        panel: j.dataset.panel,
        verdict: j.dataset.verdict,
        against: j.querySelectorAll('[data-testid=vote][data-agrees=false]').length,
        distances: j.querySelectorAll('[data-testid=vote] td.num.bad').length,
        ownBad: j.querySelectorAll('[data-testid=vote][data-self=true] td.num.bad').length,
      })),
      ledTo: card.textContent.includes('Led to:'),
    })),
  );
  const faults = cards.filter((c) => !c.asVerifier);
  const asVerifier = cards.filter((c) => c.asVerifier);
  log(`${cheater}'s faults as a worker: ${JSON.stringify(faults)}`);
  log(`${cheater}'s faults as a verifier: ${JSON.stringify(asVerifier)}`);
  const evidence = faults.find((f) => f.state === 'faulted: OutsideTolerance') ?? faults[0] ?? asVerifier.find((f) => f.judgements.length > 0) ?? asVerifier[0];
  check(evidence.indices.length > 0, `${cheater}'s fault (${evidence.state}, round ${evidence.round}) shows the opened sample indices`);
  check(evidence.ledTo, `${cheater}'s fault in round ${evidence.round} shows the slash it led to`);
  // Distances beyond the tolerance must be on show: on the cheater's own fault when a
  // committee decided it, on his own vote when he was slashed as a verifier, otherwise (checked
  // below) on an honest worker's audit that a framing verifier disagreed with.
  let distancesShown = false;
  if (evidence.state === 'faulted: OutsideTolerance') {
    const failing = evidence.judgements.find((j) => j.verdict === 'Fail' && j.against > 0 && j.distances > 0);
    check(failing !== undefined, `${cheater}'s fault shows votes against him with distances beyond the tolerance`);
    check(evidence.judgements.some((j) => j.panel === 'Escalation' && j.verdict === 'Fail'), `${cheater}'s fault was decided by an escalation committee`);
    distancesShown = failing !== undefined;
  } else if (evidence.state === 'slashed as a verifier') {
    const own = evidence.judgements.find((j) => j.ownBad > 0);
    check(own !== undefined, `${cheater}'s own vote is shown with its distances beyond the tolerance`);
    check(evidence.judgements.some((j) => j.panel === 'Escalation' && j.verdict !== 'Inconclusive'), `the verdict ${cheater} stood against was decided by an escalation committee`);
    distancesShown = own !== undefined;
  }
  // A slash is shown under the round it was for: never under a round his own work passed.
  const passedLedTo = await page.$$eval('[data-testid=worker-round][data-state^="passed"]', (found) =>
    found.filter((card) => card.textContent?.includes('Led to:')).map((card) => card.dataset.round),
  );
  check(passedLedTo.length === 0, `no round ${cheater}'s work passed shows a slash (${passedLedTo.join(', ') || 'none'})`);
  // His reputation may still be above a newcomer's (unaudited rounds passed before he was
  // caught); what must show is the failure on his record.
  const record = await page.$eval('[data-testid=reputation]', (el) => el.parentElement?.textContent ?? '');
  check(/[1-9]\d* failed/.test(record), `${cheater}'s reputation record shows the failure (${record.trim().slice(0, 90)})`);
  check((await page.$('[data-testid=reputation-chart]')) !== null, `${cheater}'s page draws the reputation chart`);
  const scorecard = await page.$eval('[data-testid=scorecard]', (el) => el.textContent ?? '');
  // The scorecard counts his audits as a worker: a failed one when that is how he was caught.
  if (faults.some((f) => f.state === 'faulted: OutsideTolerance')) {
    check(/Audits failed\s*[1-9]|Audits failed\s*0\.[0-9]*[1-9]/.test(scorecard), `${cheater}'s scorecard records failed audits`);
  } else {
    log(`${cheater}'s scorecard: ${scorecard.replace(/\s+/g, ' ').slice(0, 200)}`);
  }
  await shot(`worker-${cheater}`);

  // Honest validators: passes, no fault and no slash.
  for (const name of honest) {
    await open(`#/worker/${stash(name)}`, '[data-testid=worker-round][data-state^="passed"]');
    const states = await page.$$eval('[data-testid=worker-round]', (cards) => cards.map((c) => c.dataset.state ?? ''));
    const slashes = await page.$$('[data-testid=slash]');
    const missed = states.filter((s) => s.startsWith('missed')).length;
    log(`${name}: ${states.filter((s) => s.startsWith('passed')).length} passed, ${missed} missed of ${states.length} rounds shown`);
    check(!states.some((s) => s.startsWith('faulted')), `${name} shows no fault`);
    // An honest worker with no fault on its page that a vote disagreed with (beyond the
    // tolerance) was cleared by the escalation: the framing verifier's vote, on show.
    const cleared = await page.$$eval('[data-testid=judgement]', (js) =>
      js.filter((j) => j.querySelector('[data-testid=vote][data-agrees=false] td.num.bad')).length,
    );
    if (cleared > 0) log(`${name}: ${cleared} judgement(s) with a vote against it beyond the tolerance, and no fault`);
    distancesShown ||= cleared > 0;
    check(slashes.length === 0, `${name} shows no slash`);
    check((await page.$$('[data-testid=verifier-fault]')).length === 0, `${name} shows no fault as a verifier`);
    if (name === honest[0]) await shot(`worker-${name}`);
  }

  check(distancesShown, 'distances beyond the tolerance are shown with the verdict they led to');

  // Rounds, one round's workers, and the models.
  await open('#/rounds', '[data-testid=round]');
  const closed = await page.$$eval('[data-testid=round]', (rows) => rows.filter((r) => /closed/.test(r.textContent ?? '')).length);
  check(closed > 0, `the rounds page shows closed rounds (${closed})`);
  await shot('rounds');
  await open(`#/round/${evidence.round}`, '[data-testid=round-worker]');
  const workers = await page.$$eval('[data-testid=round-worker]', (rows) => rows.length);
  check(workers >= validators.length - 1, `round ${evidence.round} lists its workers (${workers})`);
  await shot('round');
  await open('#/models', '[data-testid=model]');
  const modelCount = await page.$$eval('[data-testid=model]', (rows) => rows.length);
  check(modelCount >= 2, `the models page lists the registry (${modelCount} models)`);
  const tierNames = await page.$$eval('[data-testid=tier] b', (cells) => cells.map((c) => c.textContent));
  check(
    ['cpu', 'gpu-24gb', 'gpu-80gb'].every((name) => tierNames.includes(name)),
    `the models page lists the hardware tiers (${tierNames.join(', ')})`,
  );
  await shot('models');
} catch (error) {
  failures.push(`the browser run stopped: ${error instanceof Error ? error.message : error}`);
  log(failures[failures.length - 1]);
} finally {
  await browser.close().catch(() => undefined);
  server.close();
}

check(consoleErrors.length === 0, `no console errors${consoleErrors.length ? `: ${consoleErrors.join(' | ')}` : ''}`);
if (failures.length > 0) {
  console.error(`[explorer-browser] ${failures.length} check(s) failed`);
  process.exit(1);
}
log('every check passed');
process.exit(0);
