import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { Secret, TOTP, URI } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '#shared/db/client';
import * as schema from '#shared/db/schema';
import { matchTotpStep, newRecoveryCode, normalizeRecoveryCode, verifySecondFactor } from '../src/auth/mfa';
import { api, errorOf, signUp, testDb } from './support';

const STEP_MS = 30_000;

/** The 6-digit code of `secret` for the time step `offset` steps away from `at`. */
function codeAt(secret: string, offset: number, at: number): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: at + offset * STEP_MS,
  });
}

/** A 6-digit code that is none of the codes accepted around `at`. */
function wrongCode(secret: string, at: number): string {
  const valid = new Set([-1, 0, 1].map((offset) => codeAt(secret, offset, at)));
  for (let n = 0; ; n++) {
    const candidate = String((123_456 + n * 7_919) % 1_000_000).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

/**
 * Waits, when needed, until at least `marginMs` remain in the current 30 s step, so that a test which uses the
 * previous step's code first does not see the server move two steps on.
 */
async function awayFromStepEdge(marginMs = 8_000): Promise<number> {
  const left = STEP_MS - (Date.now() % STEP_MS);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
  return Date.now();
}

const post = (path: string, token: string, body: unknown) =>
  api(path, { method: 'POST', token, body: JSON.stringify(body) });
const logIn = (email: string, password: string, extra: Record<string, string> = {}) =>
  api('/v1/auth/login', { method: 'POST', body: JSON.stringify({ email, password, ...extra }) });

async function enroll(token: string): Promise<{ secret: string; otpauthUri: string }> {
  const res = await post('/v1/me/mfa/enroll', token, {});
  expect(res.status).toBe(200);
  return (await res.json()) as { secret: string; otpauthUri: string };
}

/** Signs up, enrols and confirms with the previous step's code; returns what the tests need. */
async function userWithMfa() {
  const account = await signUp();
  const { secret } = await enroll(account.token);
  const t0 = await awayFromStepEdge();
  const confirmed = await post('/v1/me/mfa/confirm', account.token, { code: codeAt(secret, -1, t0) });
  expect(confirmed.status).toBe(200);
  const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
  return { ...account, secret, t0, recoveryCodes };
}

async function auditActions(userId: string): Promise<string[]> {
  const rows = await testDb()
    .select({ action: schema.auditLog.action })
    .from(schema.auditLog)
    .where(eq(schema.auditLog.actorId, userId));
  return rows.map((r) => r.action);
}

describe('TOTP (otpauth inside workerd)', () => {
  // RFC 6238, appendix B: the SHA-1 seed is the ASCII string "12345678901234567890", 8 digits, 30 s.
  const rfcSecret = Secret.fromLatin1('12345678901234567890');
  const vectors: [number, string][] = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];

  it.each(vectors)('matches the RFC 6238 SHA-1 test vector at T=%i', (seconds, expected) => {
    expect(
      TOTP.generate({ secret: rfcSecret, algorithm: 'SHA1', digits: 8, period: 30, timestamp: seconds * 1000 }),
    ).toBe(expected);
    // The 6-digit codes the API accepts are the same truncation, mod 10^6, at the same time step.
    expect(matchTotpStep(rfcSecret.base32, expected.slice(2), seconds * 1000)).toBe(Math.floor(seconds / 30));
  });

  it('accepts the previous and next step and nothing further', () => {
    const secret = rfcSecret.base32;
    const at = 1234567890 * 1000;
    const step = Math.floor(at / STEP_MS);
    expect(matchTotpStep(secret, codeAt(secret, -1, at), at)).toBe(step - 1);
    expect(matchTotpStep(secret, codeAt(secret, 1, at), at)).toBe(step + 1);
    expect(matchTotpStep(secret, codeAt(secret, 2, at), at)).toBeNull();
    expect(matchTotpStep(secret, codeAt(secret, -2, at), at)).toBeNull();
  });

  it('makes recovery codes like abcd-efgh-ijkl and normalises what users type', () => {
    const codes = Array.from({ length: 50 }, newRecoveryCode);
    for (const code of codes) expect(code).toMatch(/^[a-z]{4}-[a-z]{4}-[a-z]{4}$/);
    expect(new Set(codes).size).toBe(50);
    expect(normalizeRecoveryCode(' ABCD efgh-IJKL ')).toBe('abcd-efgh-ijkl');
    expect(normalizeRecoveryCode('abcd-efgh')).toBeNull();
    expect(normalizeRecoveryCode('123456')).toBeNull();
  });
});

describe('MFA', () => {
  it('enrols, confirms, requires a second factor at log-in, and disables', async () => {
    const account = await signUp();
    const { token, password } = account;
    const email = account.user.email;
    expect(await (await api('/v1/me/mfa', { token })).json()).toEqual({ enabled: false, recoveryCodesLeft: 0 });

    // Enrolling again before confirming replaces the pending secret.
    const first = await enroll(token);
    const { secret, otpauthUri } = await enroll(token);
    expect(secret).not.toBe(first.secret);
    const uri = URI.parse(otpauthUri) as TOTP;
    expect(uri).toBeInstanceOf(TOTP);
    expect(uri).toMatchObject({ issuer: 'MySetlist', label: email, algorithm: 'SHA1', digits: 6, period: 30 });
    expect(uri.secret.base32).toBe(secret);
    expect(await (await api('/v1/me/mfa', { token })).json()).toEqual({ enabled: false, recoveryCodesLeft: 0 });

    // The secret is stored encrypted.
    const [stored] = await testDb().select().from(schema.userMfa).where(eq(schema.userMfa.userId, account.user.id));
    expect(stored!.secretCiphertext).toMatch(/^v1\./);
    expect(stored!.secretCiphertext).not.toContain(secret);
    expect(stored!.enabledAt).toBeNull();

    const t0 = await awayFromStepEdge();
    const stale = await post('/v1/me/mfa/confirm', token, { code: codeAt(first.secret, 0, t0) });
    expect(stale.status).toBe(401);
    expect(await errorOf(stale)).toMatchObject({ code: 'invalid_mfa_code' });

    const confirmed = await post('/v1/me/mfa/confirm', token, { code: codeAt(secret, -1, t0) });
    expect(confirmed.status).toBe(200);
    const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z]{4}-[a-z]{4}-[a-z]{4}$/);
    expect(await (await api('/v1/me/mfa', { token })).json()).toEqual({ enabled: true, recoveryCodesLeft: 10 });
    // Only hashes are stored.
    const storedCodes = await testDb()
      .select()
      .from(schema.recoveryCodes)
      .where(eq(schema.recoveryCodes.userId, account.user.id));
    expect(storedCodes).toHaveLength(10);
    for (const row of storedCodes) {
      expect(row.codeHash).toMatch(/^[0-9a-f]{64}$/);
      expect(recoveryCodes).not.toContain(row.codeHash);
    }

    // Once on, enrolling or confirming again is a conflict.
    const again = await post('/v1/me/mfa/enroll', token, {});
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toMatchObject({ code: 'mfa_already_enabled' });
    expect((await post('/v1/me/mfa/confirm', token, { code: codeAt(secret, 0, t0) })).status).toBe(409);

    // Log-in: the password alone is no longer enough; a wrong password still says only that.
    const noCode = await logIn(email, password);
    expect(noCode.status).toBe(401);
    expect(await errorOf(noCode)).toMatchObject({ code: 'mfa_required' });
    const wrongPassword = await logIn(email, 'not the password at all');
    expect(wrongPassword.status).toBe(401);
    expect(await errorOf(wrongPassword)).toMatchObject({ code: 'invalid_credentials' });
    const wrongPasswordRightCode = await logIn(email, 'not the password at all', { totp: codeAt(secret, 0, t0) });
    expect(await errorOf(wrongPasswordRightCode)).toMatchObject({ code: 'invalid_credentials' });

    const withCode = await logIn(email, password, { totp: codeAt(secret, 0, t0) });
    expect(withCode.status).toBe(200);
    expect(((await withCode.json()) as { token: string }).token).toEqual(expect.any(String));

    // The same code cannot be used twice (replay), nor can an older one after it.
    const replay = await logIn(email, password, { totp: codeAt(secret, 0, t0) });
    expect(replay.status).toBe(401);
    expect(await errorOf(replay)).toMatchObject({ code: 'invalid_mfa_code' });
    expect((await logIn(email, password, { totp: codeAt(secret, -1, t0) })).status).toBe(401);

    const wrong = await logIn(email, password, { totp: wrongCode(secret, t0) });
    expect(wrong.status).toBe(401);
    expect(await errorOf(wrong)).toMatchObject({ code: 'invalid_mfa_code' });
    const malformed = await logIn(email, password, { totp: '12345' });
    expect(malformed.status).toBe(400);

    // A recovery code works once, typed in any case.
    const recovery = await logIn(email, password, { recoveryCode: recoveryCodes[0]!.toUpperCase() });
    expect(recovery.status).toBe(200);
    const recoveryAgain = await logIn(email, password, { recoveryCode: recoveryCodes[0]! });
    expect(recoveryAgain.status).toBe(401);
    expect(await errorOf(recoveryAgain)).toMatchObject({ code: 'invalid_mfa_code' });
    expect(await (await api('/v1/me/mfa', { token })).json()).toEqual({ enabled: true, recoveryCodesLeft: 9 });

    // Disabling needs a valid code too.
    const badDisable = await post('/v1/me/mfa/disable', token, { code: wrongCode(secret, t0) });
    expect(badDisable.status).toBe(401);
    expect(await errorOf(badDisable)).toMatchObject({ code: 'invalid_mfa_code' });
    expect((await post('/v1/me/mfa/disable', token, { code: codeAt(secret, 1, t0) })).status).toBe(204);
    expect(await (await api('/v1/me/mfa', { token })).json()).toEqual({ enabled: false, recoveryCodesLeft: 0 });
    expect(
      await testDb().select().from(schema.recoveryCodes).where(eq(schema.recoveryCodes.userId, account.user.id)),
    ).toEqual([]);
    expect((await logIn(email, password)).status).toBe(200);
    const disableAgain = await post('/v1/me/mfa/disable', token, { code: codeAt(secret, 1, t0) });
    expect(disableAgain.status).toBe(409);
    expect(await errorOf(disableAgain)).toMatchObject({ code: 'mfa_not_enabled' });

    expect(await auditActions(account.user.id)).toEqual(expect.arrayContaining(['mfa.enable', 'mfa.disable']));
  });

  it('disables with a recovery code, and the codes of one user do not work for another', async () => {
    const alice = await userWithMfa();
    const bob = await userWithMfa();
    const crossed = await logIn(bob.user.email, bob.password, { recoveryCode: alice.recoveryCodes[0]! });
    expect(crossed.status).toBe(401);
    expect((await post('/v1/me/mfa/disable', bob.token, { code: alice.recoveryCodes[1]! })).status).toBe(401);

    expect((await post('/v1/me/mfa/disable', alice.token, { code: alice.recoveryCodes[1]! })).status).toBe(204);
    expect((await logIn(alice.user.email, alice.password)).status).toBe(200);
    expect((await logIn(bob.user.email, bob.password)).status).toBe(401);
  });

  it('answers confirm without an enrolment with 409, and every MFA route without a session with 401', async () => {
    const account = await signUp();
    const res = await post('/v1/me/mfa/confirm', account.token, { code: '123456' });
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toMatchObject({ code: 'mfa_not_enrolled' });
    expect((await post('/v1/me/mfa/confirm', account.token, { code: 'abc' })).status).toBe(400);
    expect((await api('/v1/me/mfa')).status).toBe(401);
    expect((await api('/v1/me/mfa/enroll', { method: 'POST' })).status).toBe(401);
  });

  it('documents the MFA, session and password routes in the OpenAPI spec', async () => {
    const res = await api('/v1/openapi.json');
    expect(res.status).toBe(200);
    const spec = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    for (const path of [
      '/me/mfa',
      '/me/mfa/enroll',
      '/me/mfa/confirm',
      '/me/mfa/disable',
      '/me/sessions',
      '/me/sessions/{id}',
      '/me/password',
    ]) {
      expect(spec.paths, path).toHaveProperty([path]);
    }
    expect(Object.keys(spec.paths['/me/sessions']!).sort()).toEqual(['delete', 'get']);
  });

  it('exports verifySecondFactor for other features (e.g. confirming account deletion)', async () => {
    const user = await userWithMfa();
    const handle = openDatabase(env);
    try {
      expect(await verifySecondFactor(handle.db, env, user.user.id, {})).toBe(false);
      expect(await verifySecondFactor(handle.db, env, user.user.id, { recoveryCode: 'aaaa-bbbb-cccc' })).toBe(false);
      expect(await verifySecondFactor(handle.db, env, user.user.id, { totp: codeAt(user.secret, 0, user.t0) })).toBe(
        true,
      );
      expect(await verifySecondFactor(handle.db, env, user.user.id, { totp: codeAt(user.secret, 0, user.t0) })).toBe(
        false,
      );
      expect(await verifySecondFactor(handle.db, env, user.user.id, { recoveryCode: user.recoveryCodes[2]! })).toBe(
        true,
      );
      expect(await verifySecondFactor(handle.db, env, user.user.id, { recoveryCode: user.recoveryCodes[2]! })).toBe(
        false,
      );
      // A user without MFA has no second factor to verify.
      const plain = await signUp();
      expect(await verifySecondFactor(handle.db, env, plain.user.id, { totp: '123456' })).toBe(false);
    } finally {
      await handle.close();
    }
  });

  it('limits wrong codes at /me/mfa/disable: 10 per account in 15 minutes, even sent at once (429)', async () => {
    const { token, secret, t0 } = await userWithMfa();
    const tries = await Promise.all(
      Array.from({ length: 12 }, () => post('/v1/me/mfa/disable', token, { code: wrongCode(secret, t0) })),
    );
    expect(tries.map((r) => r.status).filter((s) => s === 429)).toHaveLength(2);
    const right = await post('/v1/me/mfa/disable', token, { code: codeAt(secret, 1, t0) });
    expect(right.status).toBe(429);
    expect(await errorOf(right)).toMatchObject({ code: 'too_many_attempts' });
  });
});
