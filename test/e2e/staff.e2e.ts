/** Staff in the browser: a moderator marks songs played (fans' rows light up live), finalises, and the ops page. */
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  base,
  createShow,
  launch,
  logIn,
  openShow,
  phone,
  type SceneShow,
  signUp,
  trackScripts,
  unlabelledControls,
  voteButton,
} from './support';

describe('staff pages', () => {
  let browser: Browser;
  let show: SceneShow;
  let fanPage: Page;
  let moderatorPage: Page;
  let moderatorToken: string;

  beforeAll(async () => {
    browser = await launch();
    show = await createShow(3);
    const fan = await signUp('fan-c');
    moderatorToken = await logIn('moderator@mysetlist.dev', 'moderator-password-123');
    fanPage = await (await phone(browser, fan.token)).newPage();
    moderatorPage = await (await phone(browser, moderatorToken)).newPage();
    await openShow(fanPage, show.slug);
    await voteButton(fanPage, show.setlist[0]!).click();
    await fanPage
      .locator(`li.song[data-id="${show.setlist[0]}"] button[aria-pressed="true"]`)
      .waitFor({ timeout: 5000 });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("a moderator marks a song played: it lights up on the fan's page without a reload", async () => {
    await moderatorPage.goto(`${base()}/shows/${show.slug}`);
    expect(await unlabelledControls(moderatorPage)).toEqual([]);
    await moderatorPage.locator('#played-song').selectOption({ label: show.titles[0]! });
    await moderatorPage.locator(`form[action="/shows/${show.slug}/played"] button`).click();
    await moderatorPage.waitForURL(/notice=/);
    const row = fanPage.locator(`li.song[data-id="${show.setlist[0]}"]`);
    await expect.poll(() => row.getAttribute('class'), { timeout: 5000 }).toContain('played');
    await expect.poll(() => fanPage.locator('#played-list li').count()).toBe(1);
    expect(await fanPage.locator('#actual').isVisible()).toBe(true);
    // The first played song makes the show live, which closes voting.
    await expect.poll(() => fanPage.locator('#voting-notice').textContent()).toMatch(/closed/i);
  });

  it('finalising scores the prediction; the fan sees the result live', async () => {
    // No wait for the fan's vote to reach Postgres first: finalising asks the room to confirm every vote it acked.
    await moderatorPage.goto(`${base()}/shows/${show.slug}`);
    await moderatorPage.locator(`form[action="/shows/${show.slug}/finalize"] button`).click();
    await moderatorPage.waitForURL(/notice=/);
    await expect.poll(() => fanPage.locator('#result').isVisible(), { timeout: 5000 }).toBe(true);
    expect(Number(await fanPage.locator('#result-score').textContent())).toBeGreaterThan(0);
    await fanPage.screenshot({ path: resolve(ARTIFACTS, 'show-page-result.png'), fullPage: true });
  });

  it('the ops page charts the metrics and refreshes them', async () => {
    const admin = await logIn('admin@mysetlist.dev', 'admin-password-123');
    const page = await (await phone(browser, admin)).newPage();
    await page.setViewportSize({ width: 1100, height: 900 });
    const scripts = trackScripts(page);
    await page.goto(`${base()}/ops`);
    await expect.poll(() => page.locator('figure.chart').count()).toBe(4);
    const first = await page.locator('#ops-updated').getAttribute('datetime');
    await expect.poll(() => page.locator('#ops-updated').getAttribute('datetime'), { timeout: 12_000 }).not.toBe(first);
    await page.screenshot({ path: resolve(ARTIFACTS, 'ops-page.png'), fullPage: true });
    console.log(`[e2e] ops page JavaScript: ${(scripts() / 1024).toFixed(1)} KB`);
    expect(scripts()).toBeLessThan(100 * 1024);
    await page.close();
  });

  it('a fan cannot open the ops page', async () => {
    await fanPage.goto(`${base()}/ops`);
    await expect.poll(() => fanPage.locator('main h1').textContent()).toMatch(/not for your account/);
  });

  it('an admin starts an import and watches its status change without reloading by hand', async () => {
    const admin = await logIn('admin@mysetlist.dev', 'admin-password-123');
    const page = await (await phone(browser, admin)).newPage();
    await page.goto(`${base()}/admin/imports`);
    expect(await unlabelledControls(page)).toEqual([]);
    await page.locator('#import-name').fill('E2E Import Band');
    await page.locator('form[action="/admin/imports"] button').click();
    await page.waitForURL(/\/admin\/imports\/[0-9a-f-]{36}$/);
    // The dev stack has no provider credentials, so the import ends as failed, with the reason on the page.
    await expect
      .poll(() => page.locator('#import-progress').getAttribute('data-status'), { timeout: 15_000 })
      .toMatch(/done|failed/);
    expect(await page.locator('#import-progress').textContent()).toMatch(/done|secrets missing|failed/);
    await page.close();
  });
});
