/**
 * Scores the demo's finished shows through the running api, as a moderator would: POST
 * /v1/shows/{id}/actual-setlist/finalize for each show whose actual setlist is not final (actual-setlists.ts
 * seeded them). That is the product's own finalisation: accuracy, fan points, leaderboards, the room's result and
 * the "setlist published" notifications. Idempotent; a show that fails is left for the next start.
 */
import { DEMO_ACCOUNTS } from './accounts';

const CONCURRENCY = 3;

export interface FinalizeDemoResult {
  finalized: number;
  failed: number;
  elapsedMs: number;
}

export async function finalizeDemoShows(
  baseUrl: string,
  showIds: readonly string[],
  log: (line: string) => void,
): Promise<FinalizeDemoResult> {
  const started = performance.now();
  const moderator = DEMO_ACCOUNTS.find((a) => a.role === 'moderator');
  if (!moderator) throw new Error('no demo moderator account');
  const login = await fetch(`${baseUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: moderator.email, password: moderator.password }),
  });
  if (!login.ok) throw new Error(`moderator login failed: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  let next = 0;
  let finalized = 0;
  let failed = 0;
  const worker = async () => {
    while (next < showIds.length) {
      const id = showIds[next++]!;
      const res = await fetch(`${baseUrl}/v1/shows/${id}/actual-setlist/finalize`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      const body = await res.text();
      if (res.ok) finalized++;
      else {
        failed++;
        if (failed <= 3) log(`finalising show ${id} failed: ${res.status} ${body.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await fetch(`${baseUrl}/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).catch(
    () => undefined,
  );
  return { finalized, failed, elapsedMs: performance.now() - started };
}
