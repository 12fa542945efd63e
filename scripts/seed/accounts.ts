/**
 * The demo log-ins and their password hashes.
 *
 * Hashes use the production format of workers/api/src/auth/password.ts (PBKDF2-SHA-256, 100,000 iterations),
 * so the real log-in route verifies them. Two deliberate differences from `hashPassword`:
 * - the salt is derived from the seed instead of crypto.getRandomValues, so a seeded database is
 *   byte-for-byte reproducible (acceptable for throwaway demo data, never for real accounts);
 * - the thousands of generated users all share ONE hash of SHARED_PASSWORD: each hash costs ~50-100 ms
 *   of PBKDF2, so hashing 100,000 users separately would take hours.
 */
import { toBase64Url } from '#shared/auth/bytes';
import { Phase, seededFaker } from './random';
import type { UserRole } from './rows';

export interface DemoAccount {
  email: string;
  password: string;
  role: UserRole;
  displayName: string;
}

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { email: 'demo@mysetlist.dev', password: 'demo-password-123', role: 'fan', displayName: 'Demo Fan' },
  {
    email: 'moderator@mysetlist.dev',
    password: 'moderator-password-123',
    role: 'moderator',
    displayName: 'Demo Moderator',
  },
  { email: 'admin@mysetlist.dev', password: 'admin-password-123', role: 'admin', displayName: 'Demo Admin' },
];

/** The fan account that marks a database as seeded. */
export const DEMO_FAN: DemoAccount = DEMO_ACCOUNTS[0]!;

/** The password of every generated (non-demo) user. */
export const SHARED_PASSWORD = 'demo-user-password';

/** Must match ITERATIONS in workers/api/src/auth/password.ts (the workerd maximum). */
const ITERATIONS = 100_000;

export interface PasswordHashes {
  /** Parallel to DEMO_ACCOUNTS. */
  demo: string[];
  shared: string;
}

async function pbkdf2(password: string, salt: Uint8Array<ArrayBuffer>): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: ITERATIONS },
    key,
    256,
  );
  return `pbkdf2-sha256$${ITERATIONS}$${toBase64Url(salt)}$${toBase64Url(new Uint8Array(bits))}`;
}

/** Four PBKDF2 runs in all, whatever the scale. */
export async function hashSeedPasswords(seed: number): Promise<PasswordHashes> {
  const faker = seededFaker(seed, Phase.passwords);
  const salt = () => Uint8Array.from({ length: 16 }, () => faker.number.int(255));
  const salts = DEMO_ACCOUNTS.map(salt);
  const sharedSalt = salt();
  const [shared, ...demo] = await Promise.all([
    pbkdf2(SHARED_PASSWORD, sharedSalt),
    ...DEMO_ACCOUNTS.map((account, i) => pbkdf2(account.password, salts[i]!)),
  ]);
  return { demo, shared: shared! };
}
