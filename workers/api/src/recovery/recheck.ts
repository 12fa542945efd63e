/**
 * The rooms' catch-up after a restore (docs/operations.md, "Recovery"): every room keeps each vote it acked, but
 * compares its counts with Postgres only after new events. Once Postgres is restored to a moment in the past,
 * an operator asks the rooms to compare now (ShowRoom.recheck): each writes the events Postgres lacks, and the
 * vote consumer applies them like any other (idempotent on the room's sequence, so a second recheck repairs
 * nothing).
 *
 * Which rooms: the given shows, or every show whose voting window overlaps [since, now] — a room can only hold a
 * vote Postgres lacks if it took votes after the backup. Pages of shows by id (`after`), so a big catalogue is
 * rechecked in several requests, each short.
 */
import { and, asc, gt, gte, inArray, lte } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { shows } from '#shared/db/schema';
import { placedRoom } from '#shared/regions/room-address';

/** Rooms asked at once: each is one RPC and one or two HTTP SQL reads inside the room. */
const CONCURRENCY = 6;

import type { RecheckResult } from '#shared/schemas/recovery';

export interface RecheckRequest {
  showIds?: string[] | undefined;
  since: Date;
  after?: string | undefined;
  limit: number;
}

/** What one page of the recheck did (the api's answer). */
export type RecheckOutcome = RecheckResult;

export async function recheckRooms(db: Database, env: Env, request: RecheckRequest): Promise<RecheckOutcome> {
  const now = new Date();
  const ids = request.showIds?.length
    ? await existingShows(db, request.showIds.slice(0, request.limit))
    : (
        await db.$primary
          .select({ id: shows.id })
          .from(shows)
          .where(
            and(
              lte(shows.votingOpensAt, now),
              gte(shows.votingClosesAt, request.since),
              request.after ? gt(shows.id, request.after) : undefined,
            ),
          )
          .orderBy(asc(shows.id))
          .limit(request.limit)
      ).map((r) => r.id);
  const outcome: RecheckOutcome = {
    rooms: ids.length,
    compared: 0,
    repairs: 0,
    resent: 0,
    unsettled: [],
    repaired: [],
    failed: [],
    next: !request.showIds?.length && ids.length === request.limit ? ids.at(-1)! : null,
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, ids.length) }, async () => {
      while (next < ids.length) {
        const showId = ids[next++]!;
        try {
          const result = await (await placedRoom(env, showId)).recheck(showId);
          if (!result.ok) {
            outcome.failed.push(showId);
            continue;
          }
          const { loaded, settled, repairs, resent } = result.value;
          outcome.resent += resent;
          if (loaded && settled) outcome.compared++;
          if (loaded && !settled) outcome.unsettled.push(showId);
          if (repairs) {
            outcome.repairs += repairs;
            outcome.repaired.push({ showId, repairs });
          }
        } catch {
          outcome.failed.push(showId);
        }
      }
    }),
  );
  return outcome;
}

/** Shows that exist among the given ids (a recheck never creates a room for an id that is no show). */
async function existingShows(db: Database, showIds: string[]): Promise<string[]> {
  if (!showIds.length) return [];
  const rows = await db.$primary.select({ id: shows.id }).from(shows).where(inArray(shows.id, showIds));
  const found = new Set(rows.map((r) => r.id));
  return showIds.filter((id) => found.has(id));
}
