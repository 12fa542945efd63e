/**
 * Two fans on the same show, each in their own browser context: votes move the other fan's bars without a
 * reload, a dropped connection catches up when it returns, and an error ack rolls an optimistic vote back.
 */
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  base,
  countOf,
  createShow,
  launch,
  layoutShift,
  openShow,
  phone,
  type SceneShow,
  signUp,
  trackScripts,
  unlabelledControls,
  voteButton,
  watchLayoutShift,
} from './support';

const JS_BUDGET_BYTES = 100 * 1024;

describe('live voting on the show page', () => {
  let browser: Browser;
  let show: SceneShow;
  let contextA: BrowserContext;
  let contextB: BrowserContext;
  let pageA: Page;
  let pageB: Page;
  let scriptBytesB: () => number;

  beforeAll(async () => {
    browser = await launch();
    show = await createShow(4);
    const [fanA, fanB] = await Promise.all([signUp('fan-a'), signUp('fan-b')]);
    contextA = await phone(browser, fanA.token);
    contextB = await phone(browser, fanB.token);
    pageA = await contextA.newPage();
    pageB = await contextB.newPage();
    scriptBytesB = trackScripts(pageB);
    await Promise.all([openShow(pageA, show.slug), openShow(pageB, show.slug)]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('renders the predicted setlist with the viewer count', async () => {
    await expect.poll(() => pageB.locator('li.song').count()).toBe(4);
    await expect.poll(async () => Number(await pageB.locator('#viewers').textContent())).toBeGreaterThanOrEqual(2);
    const bytes = scriptBytesB();
    console.log(`[e2e] show page JavaScript: ${(bytes / 1024).toFixed(1)} KB (budget ${JS_BUDGET_BYTES / 1024} KB)`);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(JS_BUDGET_BYTES);
    expect(await unlabelledControls(pageB)).toEqual([]);
    // Vote changes are announced to screen readers.
    expect(await pageB.locator('#vote-announcer').getAttribute('aria-live')).toBe('polite');
  });

  it("fan A's vote moves fan B's bar without a reload; taking it back moves it again", async () => {
    const song = show.setlist[0]!;
    await watchLayoutShift(pageB);
    await voteButton(pageA, song).click();
    // A's own vote shows at once (optimistic) and stays highlighted once acknowledged.
    await expect.poll(() => countOf(pageA, song).textContent()).toBe('1');
    await expect.poll(() => voteButton(pageA, song).getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => pageA.locator(`li.song[data-id="${song}"]`).getAttribute('class')).toContain('mine');
    await expect.poll(() => countOf(pageB, song).textContent(), { timeout: 5000 }).toBe('1');
    // The most voted song moves to the top for B too, and B's bar for it is full length.
    await expect.poll(() => pageB.locator('li.song').first().getAttribute('data-id')).toBe(song);
    expect(await voteButton(pageB, song).getAttribute('aria-pressed')).toBe('false');
    // The bar grew and the count changed, and nothing on B's page moved (transforms, reserved widths).
    await pageB.waitForTimeout(400); // the bar's transition
    expect(await layoutShift(pageB)).toBe(0);

    await voteButton(pageA, song).click();
    await expect.poll(() => voteButton(pageA, song).getAttribute('aria-pressed')).toBe('false');
    await expect.poll(() => countOf(pageB, song).textContent(), { timeout: 5000 }).toBe('0');
    await pageB.screenshot({ path: resolve(ARTIFACTS, 'show-page.png'), fullPage: true });
  });

  it('fan B loses the connection, shows it, and catches up when the network returns', async () => {
    const song = show.setlist[1]!;
    await contextB.setOffline(true);
    await expect.poll(() => pageB.locator('#live-state').getAttribute('data-state')).toMatch(/offline|reconnecting/);
    await expect.poll(() => pageB.locator('#live-label').textContent()).toMatch(/Offline|Reconnecting/);
    await pageB.screenshot({ path: resolve(ARTIFACTS, 'show-page-offline.png') });

    await voteButton(pageA, song).click();
    await expect.poll(() => voteButton(pageA, song).getAttribute('aria-pressed')).toBe('true');
    // While offline, B does not see it…
    await pageB.waitForTimeout(500);
    expect(await countOf(pageB, song).textContent()).toBe('0');

    // …and once back, B reconnects (resuming from its last seq) and catches up without a reload.
    await contextB.setOffline(false);
    await expect.poll(() => pageB.locator('#live-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    await expect.poll(() => countOf(pageB, song).textContent(), { timeout: 5000 }).toBe('1');
  });

  it('an error ack rolls the optimistic vote back', async () => {
    const song = show.setlist[2]!;
    // A second tab of fan A, opened before A votes: it does not know about that vote.
    const secondTab = await contextA.newPage();
    await openShow(secondTab, show.slug);
    await voteButton(pageA, song).click();
    await expect.poll(() => countOf(secondTab, song).textContent(), { timeout: 5000 }).toBe('1');
    expect(await voteButton(secondTab, song).getAttribute('aria-pressed')).toBe('false');

    // Record every count the second tab shows for the song, to see the optimistic step and the rollback.
    await secondTab.evaluate((id) => {
      const seen: string[] = [];
      (window as unknown as { seenCounts: string[] }).seenCounts = seen;
      const n = document.querySelector(`li.song[data-id="${id}"] .n`)!;
      new MutationObserver(() => seen.push(n.textContent ?? '')).observe(n, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    }, song);
    await voteButton(secondTab, song).click();
    // The room refuses (already_voted): the error is announced and the count goes back to 1.
    await expect.poll(() => secondTab.locator('#vote-error').textContent()).toMatch(/already voted/i);
    await expect(secondTab.locator('#vote-error').isVisible()).resolves.toBe(true);
    await expect.poll(() => countOf(secondTab, song).textContent()).toBe('1');
    const seen = await secondTab.evaluate(() => (window as unknown as { seenCounts: string[] }).seenCounts);
    expect(seen).toContain('2');
    expect(seen.at(-1)).toBe('1');
    // The room's truth: this fan has voted for it, so the tab now shows the vote as theirs.
    expect(await voteButton(secondTab, song).getAttribute('aria-pressed')).toBe('true');
    await secondTab.close();
  });

  it('adds a song from the catalogue; the other fan sees it arrive', async () => {
    const title = show.titles[4]!;
    await pageA.locator('#add-song-input').fill(title.slice(0, 12));
    const option = pageA.locator('#add-song-options li', { hasText: title });
    await option.waitFor({ timeout: 5000 });
    await option.dispatchEvent('mousedown');
    await expect.poll(() => pageB.locator('li.song').count(), { timeout: 5000 }).toBe(5);
    await expect.poll(() => pageB.locator('li.song .title', { hasText: title }).count()).toBe(1);
  });

  it('home page renders trending shows and suggests as you type', async () => {
    const page = await contextB.newPage();
    const scripts = trackScripts(page);
    await page.goto(`${base()}/`);
    await expect.poll(() => page.locator('h2#trending-shows').count()).toBe(1);
    await page.locator('#site-search').fill(show.titles[0]!.includes('E2E') ? 'E2E Band' : 'a');
    await page.locator('#site-search-suggestions li').first().waitFor({ timeout: 5000 });
    expect(await page.locator('#site-search').getAttribute('aria-expanded')).toBe('true');
    await page.screenshot({ path: resolve(ARTIFACTS, 'home-page.png'), fullPage: true });
    console.log(`[e2e] home page JavaScript: ${(scripts() / 1024).toFixed(1)} KB`);
    expect(await unlabelledControls(page)).toEqual([]);
    expect(scripts()).toBeLessThan(JS_BUDGET_BYTES);
    await page.close();
  });
});
