/**
 * Inputs found from outside that reached Postgres and came back as 500s: NUL bytes in text parameters and
 * forged cursors with out-of-range keys. Each must be a 4xx in the one error shape.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '#shared/db/schema';
import { api, createShow, errorOf, signUp, testDb } from './support';

const cursorOf = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const ID = '00000000-0000-4000-8000-000000000000';

async function expectClientError(res: Response, status: number, code?: string) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(typeof body.error.message).toBe('string');
  if (code) expect(body.error.code).toBe(code);
}

describe('NUL bytes in text parameters', () => {
  it('a search query with a NUL is 400, not a 500', async () => {
    await expectClientError(await api('/v1/search?q=ab%00cd'), 400, 'validation_failed');
  });

  it('an artist slug with a NUL is 400', async () => {
    await expectClientError(await api('/v1/artists/ab%00cd'), 400, 'validation_failed');
    await expectClientError(await api('/v1/artists/ab%00cd/songs'), 400, 'validation_failed');
  });

  it('a city filter with a NUL is 400', async () => {
    await expectClientError(await api('/v1/shows?city=Ber%00lin'), 400, 'validation_failed');
  });

  it('a NUL inside a JSON body string is 400, and names the field', async () => {
    const res = await api('/v1/search/clicks', {
      method: 'POST',
      body: JSON.stringify({ query: 'ab\u0000cd', type: 'artist', id: ID }),
    });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'validation_failed', details: [{ path: 'query' }] });
  });

  it('text without NUL still works', async () => {
    const { venue } = await createShow();
    const res = await api(`/v1/shows?city=${encodeURIComponent(venue.city)}`);
    expect(res.status).toBe(200);
    expect((await api('/v1/search?q=ab%20cd')).status).toBe(200);
  });
});

describe('forged cursors', () => {
  it('a popularity cursor whose key overflows int is 422 invalid_cursor', async () => {
    const cursor = cursorOf({ s: 'popularity', k: '1e20', id: ID });
    await expectClientError(await api(`/v1/artists?sort=popularity&cursor=${cursor}`), 422, 'invalid_cursor');
  });

  it('a date cursor in the year 275760 is 422', async () => {
    const cursor = cursorOf({ k: '+275760-09-13T00:00:00.000Z', id: ID });
    await expectClientError(await api(`/v1/shows?cursor=${cursor}`), 422, 'invalid_cursor');
  });

  it('a leaderboard cursor with a 20-digit key is 422', async () => {
    const cursor = cursorOf({ s: 'all', k: '12345678901234567890', id: ID });
    await expectClientError(await api(`/v1/leaderboard?cursor=${cursor}`), 422, 'invalid_cursor');
  });

  it('a name cursor with a NUL is 422', async () => {
    const cursor = cursorOf({ s: 'name', k: 'a\u0000b', id: ID });
    await expectClientError(await api(`/v1/artists?cursor=${cursor}`), 422, 'invalid_cursor');
  });

  it('a crafted audit-log cursor is 422', async () => {
    const admin = await signUp();
    await testDb().update(users).set({ role: 'admin' }).where(eq(users.id, admin.user.id));
    for (const forged of [
      { k: 'not a date', id: ID },
      { k: '+275760-09-13T00:00:00.000Z', id: ID },
      { k: new Date().toISOString(), id: 'not-a-uuid' },
    ]) {
      const res = await api(`/v1/admin/audit-log?cursor=${cursorOf(forged)}`, { token: admin.token });
      await expectClientError(res, 422, 'invalid_cursor');
    }
  });

  it('a cursor the API issued still pages', async () => {
    await Promise.all([createShow(), createShow(), createShow()]);
    const first = await api('/v1/artists?sort=popularity&limit=1');
    const { nextCursor } = (await first.json()) as { nextCursor: string };
    expect(nextCursor).toBeTruthy();
    expect((await api(`/v1/artists?sort=popularity&limit=1&cursor=${nextCursor}`)).status).toBe(200);
  });
});
