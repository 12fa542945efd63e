/**
 * Security holes closed (issue 14): each test here failed before its fix.
 */
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { signUp } from './support';

const app = createApp();
const ORIGIN = 'http://mysetlist.test';
const page = (path: string, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  if (!headers.has('Accept')) headers.set('Accept', 'text/html');
  return app.request(`${ORIGIN}${path}`, { ...init, headers }, env, createExecutionContext());
};
const cookie = (token: string) => ({ Cookie: `msl_session=${token}` });
const form = (fields: Record<string, string>, extra: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN, ...extra },
  body: new URLSearchParams(fields).toString(),
});

describe('log-in redirect (next)', () => {
  it('never sends a signed-in visitor to another site, and never answers 500', async () => {
    const fan = await signUp();
    for (const next of [
      '%2F%09%2Fevil.example',
      '%2F%0A%2Fevil.example',
      '%2F%0D%0A%2Fevil.example',
      '%2F%5Cevil.example',
    ]) {
      const res = await page(`/login?next=${next}`, { headers: cookie(fan.token) });
      expect(res.status, next).toBe(303);
      expect(res.headers.get('Location'), next).toBe('/');
    }
    const kept = await page('/login?next=%2Faccount', { headers: cookie(fan.token) });
    expect(kept.headers.get('Location')).toBe('/account');
  });

  it('after the log-in form too', async () => {
    const fan = await signUp();
    const res = await page('/login', form({ email: fan.user.email, password: fan.password, next: '/\t/evil.example' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/');
  });
});
