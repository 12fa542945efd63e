/**
 * The operator's side of recovery after a database restore (docs/operations.md, "Recovery"): the admin API's
 * rebuild and the rooms' recheck, called the way the runbook says (retried while the api's database breaker is
 * still open; the recheck paged and repeated until no room has events in flight). Used by `npm run dr:recover`
 * and by the drill (`npm run dr:drill`).
 */
import type { RebuildResult, RecheckResult } from '#shared/schemas/recovery';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AdminApi {
  /** The api's origin, e.g. https://api.mysetlist.example or http://127.0.0.1:8787 */
  base: string;
  /** An admin's session token. */
  token: string;
}

/** POST to the admin API; 5xx and network errors are retried for `retryMs` (the breaker reopens within seconds). */
export async function adminPost<T>(api: AdminApi, path: string, body: unknown, retryMs = 60_000): Promise<T> {
  const deadline = Date.now() + retryMs;
  for (;;) {
    const res = await fetch(`${api.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.token}` },
      body: JSON.stringify(body ?? {}),
      signal: AbortSignal.timeout(300_000),
    }).catch((err: unknown) => {
      if (Date.now() > deadline) throw err;
      return undefined;
    });
    if (res?.status === 200) return (await res.json()) as T;
    if (res && (res.status < 500 || Date.now() > deadline))
      throw new Error(`POST ${path}: HTTP ${res.status} ${await res.text().catch(() => '')}`);
    await sleep(500);
  }
}

export type { RebuildResult };

export function rebuild(api: AdminApi, since?: Date): Promise<RebuildResult> {
  return adminPost<RebuildResult>(api, '/v1/admin/recovery/rebuild', since ? { since: since.toISOString() } : {});
}

type RecheckPage = RecheckResult;

export interface RecheckTotals {
  rounds: number;
  rooms: number;
  repairs: number;
  resent: number;
  /** Rooms still unsettled or failing after the last round (0 when the recheck finished). */
  pending: number;
}

/**
 * Rechecks every room whose voting window overlaps [since, now], page by page, and repeats the whole pass until no
 * room is unsettled or failed (at most `maxRounds` passes, `pauseMs` apart).
 */
export async function recheckAll(
  api: AdminApi,
  since: Date,
  opts: { maxRounds?: number; pauseMs?: number; log?: (line: string) => void } = {},
): Promise<RecheckTotals> {
  const totals: RecheckTotals = { rounds: 0, rooms: 0, repairs: 0, resent: 0, pending: 0 };
  for (;;) {
    totals.rounds++;
    let after: string | null = null;
    let pending = 0;
    let rooms = 0;
    let repairs = 0;
    let resent = 0;
    do {
      const page: RecheckPage = await adminPost<RecheckPage>(api, '/v1/admin/recovery/recheck', {
        since: since.toISOString(),
        ...(after ? { after } : {}),
      });
      rooms += page.rooms;
      repairs += page.repairs;
      resent += page.resent;
      pending += page.unsettled.length + page.failed.length;
      after = page.next;
    } while (after);
    totals.rooms = Math.max(totals.rooms, rooms);
    totals.repairs += repairs;
    totals.resent += resent;
    totals.pending = pending;
    opts.log?.(
      `recheck round ${totals.rounds}: ${rooms} rooms, resent ${resent}, repairs ${repairs}, pending ${pending}`,
    );
    if (!pending || totals.rounds >= (opts.maxRounds ?? 20)) return totals;
    await sleep(opts.pauseMs ?? 1000);
  }
}
