/** Browser and API helpers for the e2e tests: the API is used to set the scene, the browser to test the pages. */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { inject } from 'vitest';

export const base = () => inject('baseUrl');
/** Git-ignored; CI keeps it as the run's artifacts. */
export const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
/** Debian's chromium (apt-get install chromium); playwright never downloads a browser here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launch(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--disable-dev-shm-usage'] });
}

/** A phone-sized browser context, optionally signed in with a session token (the cookie the API sets). */
export async function phone(browser: Browser, token?: string): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    hasTouch: true,
  });
  if (token)
    await context.addCookies([
      { name: 'msl_session', value: token, url: base(), httpOnly: true, secure: true, sameSite: 'Lax' },
    ]);
  return context;
}

export async function api<T = unknown>(
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  const res = await fetch(`${base()}/v1${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

let counter = 0;
export const uniqueEmail = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}@example.test`;
export const PASSWORD = 'e2e passphrase 2468';

export async function signUp(prefix = 'fan'): Promise<{ email: string; token: string; userId: string }> {
  const email = uniqueEmail(prefix);
  const created = await api<{ token: string; user: { id: string } }>('/auth/signup', {
    method: 'POST',
    body: { email, password: PASSWORD, displayName: prefix },
  });
  return { email, token: created.token, userId: created.user.id };
}

export async function logIn(email: string, password: string): Promise<string> {
  return (await api<{ token: string }>('/auth/login', { method: 'POST', body: { email, password } })).token;
}

export interface SceneShow {
  id: string;
  slug: string;
  artistId: string;
  /** setlistSongId of each song on the predicted setlist, in the order added. */
  setlist: string[];
  titles: string[];
}

/** A fresh artist, venue and upcoming show with an open voting window and `songs` songs on the setlist (admin API). */
export async function createShow(songs = 4): Promise<SceneShow> {
  const admin = await logIn('admin@mysetlist.dev', 'admin-password-123');
  const tag = Math.random().toString(36).slice(2, 8);
  const artist = await api<{ id: string; slug: string }>('/admin/artists', {
    method: 'POST',
    token: admin,
    body: { name: `E2E Band ${tag}`, genres: ['rock'] },
  });
  const titles = Array.from({ length: songs + 2 }, (_, i) => `E2E Song ${String.fromCharCode(65 + i)} ${tag}`);
  const catalogue: { id: string; title: string }[] = [];
  for (const title of titles)
    catalogue.push(
      await api('/admin/artists/' + artist.id + '/songs', { method: 'POST', token: admin, body: { title } }),
    );
  const venue = await api<{ id: string }>('/admin/venues', {
    method: 'POST',
    token: admin,
    body: { name: `E2E Hall ${tag}`, city: 'Berlin', country: 'DE', timeZone: 'Europe/Berlin' },
  });
  const show = await api<{ id: string; slug: string }>('/admin/shows', {
    method: 'POST',
    token: admin,
    body: { artistId: artist.id, venueId: venue.id, startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString() },
  });
  const setlist: string[] = [];
  for (const song of catalogue.slice(0, songs)) {
    const added = await api<{ setlistSongId: string }>(`/shows/${show.id}/setlist`, {
      method: 'POST',
      token: admin,
      body: { songId: song.id },
    });
    setlist.push(added.setlistSongId);
  }
  return { id: show.id, slug: show.slug, artistId: artist.id, setlist, titles };
}

/** A setlist row's vote count as the page shows it. */
export const countOf = (page: Page, setlistSongId: string) => page.locator(`li.song[data-id="${setlistSongId}"] .n`);
export const voteButton = (page: Page, setlistSongId: string) =>
  page.locator(`li.song[data-id="${setlistSongId}"] button.vote`);

/** Opens a page and waits until its live room is connected. */
export async function openShow(page: Page, slug: string): Promise<void> {
  await page.goto(`${base()}/shows/${slug}`);
  await page.locator('#live-state[data-state="live"]').waitFor({ timeout: 15_000 });
}

/** Bytes of JavaScript a page loaded (what the 100 KB budget counts), measured by the browser. */
export function trackScripts(page: Page): () => number {
  let bytes = 0;
  page.on('response', (response) => {
    if (response.request().resourceType() !== 'script') return;
    void response.body().then(
      (body) => (bytes += body.length),
      () => {},
    );
  });
  return () => bytes;
}

/** Form controls a screen reader could not name: inputs and selects without a label, buttons without text. */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const missing: string[] = [];
    for (const el of Array.from(
      document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input:not([type="hidden"]), select, textarea'),
    )) {
      if (!(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
        missing.push(el.outerHTML.slice(0, 80));
    }
    for (const el of Array.from(document.querySelectorAll('button'))) {
      if (!(el.textContent?.trim() || el.getAttribute('aria-label'))) missing.push(el.outerHTML.slice(0, 80));
    }
    return missing;
  });
}

/** Starts summing the page's layout shifts (the Layout Instability API); read the sum with `layoutShift`. */
export async function watchLayoutShift(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { shiftSum: number };
    w.shiftSum = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[])
        if (!entry.hadRecentInput) w.shiftSum += entry.value;
    }).observe({ type: 'layout-shift', buffered: false });
  });
}
export const layoutShift = (page: Page) => page.evaluate(() => (window as unknown as { shiftSum: number }).shiftSum);
