/**
 * The demo log-ins and their password hashes.
 *
 * Hashes come from the production code (workers/api/src/auth/password.ts, `hashPasswordWithSalt`), so the real
 * log-in route verifies them. Two deliberate differences from `hashPassword`:
 * - the salt is derived from the seed instead of crypto.getRandomValues, so a seeded database is
 *   byte-for-byte reproducible (acceptable for throwaway demo data, never for real accounts);
 * - the thousands of generated users all share ONE hash of SHARED_PASSWORD: each hash costs ~50-100 ms
 *   of PBKDF2, so hashing 100,000 users separately would take hours.
 */
import { hashPasswordWithSalt } from '../../workers/api/src/auth/password';
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

export interface PasswordHashes {
  /** Parallel to DEMO_ACCOUNTS. */
  demo: string[];
  shared: string;
}

/** Four PBKDF2 runs in all, whatever the scale. */
export async function hashSeedPasswords(seed: number): Promise<PasswordHashes> {
  const faker = seededFaker(seed, Phase.passwords);
  const salt = () => Uint8Array.from({ length: 16 }, () => faker.number.int(255));
  const salts = DEMO_ACCOUNTS.map(salt);
  const sharedSalt = salt();
  const [shared, ...demo] = await Promise.all([
    hashPasswordWithSalt(SHARED_PASSWORD, sharedSalt),
    ...DEMO_ACCOUNTS.map((account, i) => hashPasswordWithSalt(account.password, salts[i]!)),
  ]);
  return { demo, shared: shared! };
}
