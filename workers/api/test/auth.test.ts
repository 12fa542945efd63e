import { describe, expect, it } from 'vitest';
import { api, errorOf, signUp, uniqueEmail } from './support';

describe('accounts', () => {
  it('signs up, logs in, reads /v1/me and logs out', async () => {
    const email = uniqueEmail();
    const signUpRes = await api('/v1/auth/signup', {
      method: 'POST',
      body: JSON.stringify({ email: email.toUpperCase(), password: 'a long enough password', displayName: 'Robin' }),
    });
    expect(signUpRes.status).toBe(201);
    expect(signUpRes.headers.get('Set-Cookie')).toMatch(/msl_session=[^;]+;.*HttpOnly/i);
    const created = (await signUpRes.json()) as { user: { email: string; role: string }; token: string };
    expect(created.user).toMatchObject({ email, role: 'fan' });

    const login = await api('/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email, password: 'a long enough password' }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    expect(token).not.toBe(created.token);

    const me = await api('/v1/me', { token });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email, displayName: 'Robin' });

    // The cookie works as well as the bearer token.
    const byCookie = await api('/v1/me', { headers: { Cookie: `msl_session=${token}` } });
    expect(byCookie.status).toBe(200);

    expect((await api('/v1/auth/logout', { method: 'POST', token })).status).toBe(204);
    const after = await api('/v1/me', { token });
    expect(after.status).toBe(401);
    expect(await errorOf(after)).toMatchObject({ code: 'unauthenticated' });
    // The sign-up session is independent and still valid.
    expect((await api('/v1/me', { token: created.token })).status).toBe(200);
  });

  it('refuses a duplicate email, case-insensitively, with 409', async () => {
    const first = await signUp();
    const res = await api('/v1/auth/signup', {
      method: 'POST',
      body: JSON.stringify({ email: first.user.email.toUpperCase(), password: 'another long password' }),
    });
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toMatchObject({ code: 'email_taken' });
  });

  it('refuses a wrong password and an unknown email alike with 401', async () => {
    const user = await signUp();
    const wrong = await api('/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: user.user.email, password: 'not the password' }),
    });
    expect(wrong.status).toBe(401);
    expect(await errorOf(wrong)).toEqual({
      code: 'invalid_credentials',
      message: 'The email or password is wrong.',
      requestId: expect.any(String),
    });
    const unknown = await api('/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: uniqueEmail('nobody'), password: 'whatever it is' }),
    });
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).code).toBe('invalid_credentials');
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const res = await api('/v1/auth/signup', { method: 'POST', body: '{"email": "a@b.c", "password": ' });
    expect(res.status).toBe(400);
    expect(res.headers.get('Content-Type')).toMatch(/application\/json/);
    expect(await errorOf(res)).toMatchObject({ code: 'malformed_json' });
  });

  it('answers an invalid body with 400 and the zod issues under details', async () => {
    const res = await api('/v1/auth/signup', {
      method: 'POST',
      body: JSON.stringify({ email: 'not-an-email', password: 'short' }),
    });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('validation_failed');
    expect(error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'email' }),
        expect.objectContaining({ path: 'password', message: 'Use at least 10 characters.' }),
      ]),
    );
  });

  it('rejects an unknown or garbage token with 401', async () => {
    expect((await api('/v1/me', { token: 'x'.repeat(43) })).status).toBe(401);
    expect((await api('/v1/me', { token: 'garbage' })).status).toBe(401);
    expect((await api('/v1/me')).status).toBe(401);
  });
});
