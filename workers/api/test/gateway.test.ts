import { describe, expect, it } from 'vitest';
import { api, errorOf, signUp, signUpAs, sql } from './support';

describe('gateway behaviour', () => {
  it('versions every /v1 response and answers unknown versions with a JSON 404', async () => {
    const res = await api('/v1/shows?limit=1');
    expect(res.headers.get('API-Version')).toBe('1');
    const unknown = await api('/v2/shows?limit=1');
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('not_found');
  });

  it('sends security headers, and session cookies HttpOnly; Secure; SameSite', async () => {
    const res = await api('/health');
    expect(res.headers.get('Strict-Transport-Security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(res.headers.get('X-Frame-Options')).toBe('DENY');
    expect(res.headers.get('Referrer-Policy')).toBe('strict-origin-when-cross-origin');
    const signup = await api('/v1/auth/signup', {
      method: 'POST',
      body: JSON.stringify({ email: `c-${crypto.randomUUID()}@example.test`, password: 'a long enough password' }),
    });
    const cookie = signup.headers.get('Set-Cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it('allows CORS with credentials for the web origin only', async () => {
    const preflight = await api('/v1/me', {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:8787',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:8787');
    expect(preflight.headers.get('Access-Control-Allow-Credentials')).toBe('true');
    const simple = await api('/v1/shows?limit=1', { headers: { Origin: 'http://localhost:8787' } });
    expect(simple.headers.get('Access-Control-Expose-Headers')).toContain('X-Request-Id');
    const foreign = await api('/v1/shows?limit=1', { headers: { Origin: 'https://evil.example' } });
    expect(foreign.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('refuses bodies over 64 KiB with 413', async () => {
    const res = await api('/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(70_000) }),
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('payload_too_large');
  });

  it('stops password guessing on an account after 10 failures, even with the right password', async () => {
    const fan = await signUp();
    const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
    const attempt = (password: string) =>
      api('/v1/auth/login', {
        method: 'POST',
        headers: { 'CF-Connecting-IP': ip },
        body: JSON.stringify({ email: fan.user.email, password }),
      });
    for (let i = 0; i < 10; i++) expect((await attempt(`wrong guess ${i}`)).status).toBe(401);
    const blocked = await attempt(fan.password);
    expect(blocked.status).toBe(429);
    expect((await errorOf(blocked)).code).toBe('too_many_login_attempts');
    expect(Number(blocked.headers.get('Retry-After'))).toBeGreaterThan(0);
    // Another account is not affected by this account's lock.
    const other = await signUp();
    const ok = await api('/v1/auth/login', {
      method: 'POST',
      headers: { 'CF-Connecting-IP': ip },
      body: JSON.stringify({ email: other.user.email, password: other.password }),
    });
    expect(ok.status).toBe(200);
  });
});

describe('roles and the audit log', () => {
  it('lets an admin change a role, records it, and refuses everyone else', async () => {
    const [admin, fan, target] = await Promise.all([signUpAs('admin'), signUp(), signUp()]);
    const path = `/v1/admin/users/${target.user.id}/role`;
    expect(
      (await api(path, { method: 'PUT', token: fan.token, body: JSON.stringify({ role: 'moderator' }) })).status,
    ).toBe(403);
    const res = await api(path, { method: 'PUT', token: admin.token, body: JSON.stringify({ role: 'moderator' }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: target.user.id, role: 'moderator' });
    // The new role applies to the target's existing session at once.
    expect(await (await api('/v1/me', { token: target.token })).json()).toMatchObject({ role: 'moderator' });

    const log = (await (await api('/v1/admin/audit-log?limit=50', { token: admin.token })).json()) as {
      items: { action: string; actorId: string; targetId: string; details: unknown }[];
    };
    expect(log.items).toContainEqual(
      expect.objectContaining({
        action: 'user.role_change',
        actorId: admin.user.id,
        targetId: target.user.id,
        details: { from: 'fan', to: 'moderator' },
      }),
    );
    expect((await api('/v1/admin/audit-log', { token: fan.token })).status).toBe(403);

    const self = await api(`/v1/admin/users/${admin.user.id}/role`, {
      method: 'PUT',
      token: admin.token,
      body: JSON.stringify({ role: 'fan' }),
    });
    expect(self.status).toBe(409);
    const rows = (await sql().query(`select count(*)::int as n from audit_log where actor_id = $1`, [
      admin.user.id,
    ])) as { n: number }[];
    expect(rows[0]!.n).toBe(1);
  });
});
