/** Demo artwork served by the api (no outside image host), and the placeholder markup for images that fail. */
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as schema from '#shared/db/schema';
import { createApp } from '../src/app';
import { createShow, testDb } from './support';

const app = createApp();
const get = (path: string) =>
  app.request(`http://mysetlist.test${path}`, { headers: { Accept: 'text/html' } }, env, createExecutionContext());

describe('generated artwork', () => {
  it('GET /art/{slug}.svg answers an SVG with the initials, the same bytes every time, cacheable', async () => {
    const res = await get('/art/broken-crystal.svg');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^image\/svg\+xml/);
    expect(res.headers.get('Cache-Control')).toContain('immutable');
    const svg = await res.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('>BC</text>');
    expect(await (await get('/art/broken-crystal.svg')).text()).toBe(svg);
    expect(await (await get('/art/sunken-queens.svg')).text()).not.toBe(svg);
  });

  it('answers 404 for anything but a slug', async () => {
    for (const path of ['/art/Broken.svg', '/art/a--b.svg', '/art/x.png', `/art/${'a'.repeat(121)}.svg`])
      expect((await get(path)).status, path).toBe(404);
  });

  it("an artist's photo carries the placeholder to show when it fails to load", async () => {
    const { artist } = await createShow();
    await testDb()
      .update(schema.artists)
      .set({ imageUrl: `/art/${artist.slug}.svg` })
      .where(eq(schema.artists.id, artist.id));
    const html = await (await get(`/artists/${artist.slug}`)).text();
    expect(html).toMatch(new RegExp(`<img class="artist-photo" src="/art/${artist.slug}\\.svg"[^>]*data-fallback="A"`));
  });
});
