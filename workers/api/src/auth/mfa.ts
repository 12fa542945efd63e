/**
 * Multi-factor authentication with TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps — what every authenticator
 * app speaks) and single-use recovery codes.
 *
 * - The TOTP secret is stored encrypted (AES-256-GCM, key from the worker secret MFA_ENCRYPTION_KEY) in
 *   `user_mfa.secret_ciphertext`, bound to its user by the GCM additional data, so a row copied onto another
 *   user does not decrypt.
 * - Replay protection without a schema change: the encrypted payload carries the last accepted time step next
 *   to the secret. A code is accepted only for a later step, and the re-encrypted payload is written with a
 *   compare-and-swap on the old ciphertext, so two requests racing with the same code cannot both succeed.
 * - Recovery codes (`abcd-efgh-ijkl`, 12 random letters ≈ 56 bits) are stored as SHA-256 of `userId:code`
 *   and consumed with one conditional UPDATE, so each works exactly once.
 */
import { and, eq, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { fromBase64Url, sha256Hex, toBase64Url } from '#shared/auth/bytes';
import type { AnyDatabase } from '#shared/db/client';
import { recoveryCodes, userMfa } from '#shared/db/schema';
import { ApiError } from '#shared/errors';

export const TOTP_ISSUER = 'MySetlist';
/** RFC 6238 defaults, the only parameters all authenticator apps support. */
export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** Codes of the previous and next step are accepted too (clock drift, a code typed as it changed). */
const TOTP_WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;

export const mfaErrors = {
  required: () =>
    new ApiError(
      401,
      'mfa_required',
      'This account has two-step verification: send `totp` (the 6-digit code of your authenticator app) or a `recoveryCode`.',
    ),
  invalidCode: () => new ApiError(401, 'invalid_mfa_code', 'The code is wrong, expired or was already used.'),
  alreadyEnabled: () =>
    new ApiError(
      409,
      'mfa_already_enabled',
      'Two-step verification is already on; disable it first to enrol a new authenticator.',
    ),
  notEnrolled: () => new ApiError(409, 'mfa_not_enrolled', 'Start with POST /v1/me/mfa/enroll.'),
  notEnabled: () => new ApiError(409, 'mfa_not_enabled', 'Two-step verification is not on.'),
};

type MfaEnv = Pick<Env, 'MFA_ENCRYPTION_KEY'>;
/**
 * The database that keeps the user's two-step verification: the primary, or an EU fan's EU database
 * (residency/eu-mfa.ts), which is reached over HTTP without transactions, so every write here is one statement.
 */
type Executor = AnyDatabase;

/** What the ciphertext holds. `lastStep`: the time step of the last accepted code (replay protection). */
interface TotpState {
  secret: string;
  lastStep: number | null;
}

// ---------------------------------------------------------------------------------------------------------
// Encryption of the secret

const keys = new Map<string, CryptoKey>();

async function encryptionKey(env: MfaEnv): Promise<CryptoKey> {
  const encoded = (env.MFA_ENCRYPTION_KEY ?? '').trim();
  const cached = keys.get(encoded);
  if (cached) return cached;
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = fromBase64Url(encoded.replace(/=+$/, ''));
  } catch {
    raw = new Uint8Array(0);
  }
  // A misconfiguration, not a client error: it surfaces as a logged 500.
  if (raw.length !== 32) throw new Error('MFA_ENCRYPTION_KEY must be the base64 of 32 random bytes');
  const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
  keys.set(encoded, key);
  return key;
}

const additionalData = (userId: string) => new TextEncoder().encode(`user_mfa:${userId}`);

/** `v1.<iv>.<ciphertext>` in base64url; the version leaves room for key rotation. */
async function seal(env: MfaEnv, userId: string, state: TotpState): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plaintext = new TextEncoder().encode(JSON.stringify(state));
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: additionalData(userId) },
    await encryptionKey(env),
    plaintext,
  );
  return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ciphertext))}`;
}

async function unseal(env: MfaEnv, userId: string, sealed: string): Promise<TotpState> {
  const [version, iv, ciphertext] = sealed.split('.');
  if (version !== 'v1' || !iv || !ciphertext) throw new Error('user_mfa.secret_ciphertext has an unknown format');
  const plaintext = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64Url(iv), additionalData: additionalData(userId) },
    await encryptionKey(env),
    fromBase64Url(ciphertext),
  );
  return JSON.parse(new TextDecoder().decode(plaintext)) as TotpState;
}

// ---------------------------------------------------------------------------------------------------------
// TOTP

/** A new random secret (160 bits, the RFC 4226 recommendation), in base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function otpauthUri(secret: string, email: string): string {
  return new TOTP({ issuer: TOTP_ISSUER, label: email, secret: Secret.fromBase32(secret), ...TOTP_PARAMS }).toString();
}

/** The time step that `code` belongs to, within ±1 step of `now`, or null when it matches none. */
export function matchTotpStep(secret: string, code: string, now = Date.now()): number | null {
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(secret),
    ...TOTP_PARAMS,
    window: TOTP_WINDOW,
    timestamp: now,
  });
  if (delta === null) return null;
  return TOTP.counter({ period: TOTP_PARAMS.period, timestamp: now }) + delta;
}

/**
 * Checks a TOTP code and, when it is good and newer than the last accepted one, records its step. `confirm`
 * applies to a pending enrolment and enables MFA in the same write; `verify` to an enabled one.
 */
async function consumeTotp(
  db: Executor,
  env: MfaEnv,
  userId: string,
  code: string,
  mode: 'confirm' | 'verify',
): Promise<boolean> {
  if (!/^\d{6}$/.test(code)) return false;
  const [row] = await db
    .select({ sealed: userMfa.secretCiphertext, enabledAt: userMfa.enabledAt })
    .from(userMfa)
    .where(eq(userMfa.userId, userId))
    .limit(1);
  if (!row || (mode === 'verify') !== (row.enabledAt !== null)) return false;
  const state = await unseal(env, userId, row.sealed);
  const step = matchTotpStep(state.secret, code);
  if (step === null || (state.lastStep !== null && step <= state.lastStep)) return false;
  const resealed = await seal(env, userId, { ...state, lastStep: step });
  const updated = await db
    .update(userMfa)
    .set({ secretCiphertext: resealed, ...(mode === 'confirm' ? { enabledAt: sql`now()` } : {}) })
    .where(and(eq(userMfa.userId, userId), eq(userMfa.secretCiphertext, row.sealed)))
    .returning({ userId: userMfa.userId });
  return updated.length === 1;
}

// ---------------------------------------------------------------------------------------------------------
// Recovery codes

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** 12 uniformly random letters (rejection sampling: bytes ≥ 234 would favour the first letters), as `abcd-efgh-ijkl`. */
export function newRecoveryCode(): string {
  let letters = '';
  while (letters.length < 12) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      if (byte < 234 && letters.length < 12) letters += LETTERS[byte % 26];
    }
  }
  return `${letters.slice(0, 4)}-${letters.slice(4, 8)}-${letters.slice(8)}`;
}

/** Accepts any case, spaces and dashes; null when it cannot be a recovery code. */
export function normalizeRecoveryCode(input: string): string | null {
  const letters = input.toLowerCase().replace(/[\s-]/g, '');
  if (!/^[a-z]{12}$/.test(letters)) return null;
  return `${letters.slice(0, 4)}-${letters.slice(4, 8)}-${letters.slice(8)}`;
}

function hashRecoveryCode(userId: string, code: string): Promise<string> {
  return sha256Hex(`${userId}:${code}`);
}

async function consumeRecoveryCode(db: Executor, userId: string, input: string): Promise<boolean> {
  const code = normalizeRecoveryCode(input);
  if (!code) return false;
  const used = await db
    .update(recoveryCodes)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        eq(recoveryCodes.codeHash, await hashRecoveryCode(userId, code)),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ id: recoveryCodes.id });
  return used.length === 1;
}

// ---------------------------------------------------------------------------------------------------------
// What the routes (and other features) use

export type MfaState = 'off' | 'pending' | 'enabled';

export async function mfaState(db: Executor, userId: string): Promise<MfaState> {
  const [row] = await db
    .select({ enabledAt: userMfa.enabledAt })
    .from(userMfa)
    .where(eq(userMfa.userId, userId))
    .limit(1);
  return !row ? 'off' : row.enabledAt ? 'enabled' : 'pending';
}

export async function mfaStatus(
  db: Executor,
  userId: string,
): Promise<{ enabled: boolean; recoveryCodesLeft: number }> {
  const enabled = (await mfaState(db, userId)) === 'enabled';
  const recoveryCodesLeft = enabled
    ? await db.$count(recoveryCodes, and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
    : 0;
  return { enabled, recoveryCodesLeft };
}

/**
 * Starts (or restarts) an enrolment with a new secret, replacing a pending one. Throws 409 when MFA is
 * already enabled: the upsert only overwrites a row that is not enabled.
 */
export async function startEnrollment(
  db: Executor,
  env: MfaEnv,
  userId: string,
  email: string,
): Promise<{ secret: string; otpauthUri: string }> {
  const secret = newTotpSecret();
  const sealed = await seal(env, userId, { secret, lastStep: null });
  const written = await db
    .insert(userMfa)
    .values({ userId, secretCiphertext: sealed })
    .onConflictDoUpdate({
      target: userMfa.userId,
      set: { secretCiphertext: sealed, createdAt: sql`now()` },
      setWhere: isNull(userMfa.enabledAt),
    })
    .returning({ userId: userMfa.userId });
  if (written.length !== 1) throw mfaErrors.alreadyEnabled();
  return { secret, otpauthUri: otpauthUri(secret, email) };
}

/**
 * Enables a pending enrolment when `code` is a current code of its secret, and replaces the user's recovery
 * codes. Returns the new recovery codes (shown once), or null for a wrong code.
 *
 * One statement at a time (the EU database has no transactions), ordered so that no failure half-way leaves MFA on
 * without the codes just shown: the new codes are stored first (inert while MFA is not on: recovery codes are only
 * accepted when it is), then the code enables MFA (compare-and-swap), then the other codes of the user go; a wrong
 * code removes the new ones again. Two confirmations racing each keep their own codes until one wins.
 */
export async function confirmEnrollment(
  db: Executor,
  env: MfaEnv,
  userId: string,
  code: string,
): Promise<string[] | null> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const hashes = await Promise.all(codes.map((c) => hashRecoveryCode(userId, c)));
  await db.insert(recoveryCodes).values(hashes.map((codeHash) => ({ userId, codeHash })));
  const mine = and(eq(recoveryCodes.userId, userId), inArray(recoveryCodes.codeHash, hashes));
  let enabled = false;
  try {
    enabled = await consumeTotp(db, env, userId, code, 'confirm');
  } finally {
    if (!enabled) await db.delete(recoveryCodes).where(mine);
  }
  if (!enabled) return null;
  await db
    .delete(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), notInArray(recoveryCodes.codeHash, hashes)));
  return codes;
}

/**
 * Turns MFA off: the secret and every recovery code are deleted, the secret first (the codes are inert without it),
 * so a failure in between leaves MFA off.
 */
export async function disableMfa(db: Executor, userId: string): Promise<void> {
  await db.delete(userMfa).where(eq(userMfa.userId, userId));
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
}

/**
 * The second factor of a user with MFA enabled: a current TOTP code (not used before) or an unused recovery
 * code, which is consumed. False when neither is given or valid, and when the user has no MFA enabled.
 * For sign-in and for confirming sensitive actions (e.g. account deletion).
 */
export async function verifySecondFactor(
  db: Executor,
  env: MfaEnv,
  userId: string,
  factor: { totp?: string | undefined; recoveryCode?: string | undefined },
): Promise<boolean> {
  if (factor.totp && (await consumeTotp(db, env, userId, factor.totp, 'verify'))) return true;
  if (factor.recoveryCode && (await mfaState(db, userId)) === 'enabled')
    return consumeRecoveryCode(db, userId, factor.recoveryCode);
  return false;
}
