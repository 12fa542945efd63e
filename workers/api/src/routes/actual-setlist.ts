import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { count, eq, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { z } from 'zod';
import { fanScores, showAccuracy, shows } from '#shared/db/schema';
import { ApiError, errors } from '#shared/errors';
import { placedRoom } from '#shared/regions/room-address';
import {
  ActualSetlistView,
  MarkPlayedBody,
  PlayedSong,
  type PredictionDetail,
  PredictionScore,
  ShowAccuracyView,
} from '#shared/schemas/scoring';
import { type ActualSetlistDeps, markPlayed, readActualSetlist, undoPlayed } from '#shared/scoring/actual-setlist';
import { type FinalizeDeps, finalizeShow, settleTimeoutMs } from '#shared/scoring/finalize';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { invalidateCatalog } from '../cache/invalidate';
import { errorResponses, json, SIGNED_IN } from '../http/openapi';
import { requireRole } from '../middleware/session/require-role';
import { publishSetlist } from '../notifications/announce';

const ShowParams = z.object({ showId: z.uuid() });
const PositionParams = ShowParams.extend({
  position: z
    .union([z.literal('last'), z.string().regex(/^[1-9][0-9]{0,3}$/, 'A position (1, 2, …) or "last".')])
    .describe('The play position to remove, or `last`.'),
});
const UndoResult = z.object({ removed: PlayedSong, actualSetlist: ActualSetlistView }).meta({ id: 'PlayedUndone' });
const ShowFinalized = z
  .object({ showId: z.uuid(), score: PredictionScore, fans: z.number().int(), pointsAwarded: z.number().int() })
  .meta({ id: 'ShowFinalized' });

const moderators = () => requireRole('moderator', 'admin');

/** The database and the room, as the shared scoring functions take them. */
const depsOf = (c: Context<AppEnv>): ActualSetlistDeps => ({
  db: c.var.database.db.$primary,
  tellRoom: async (showId, update) =>
    (await placedRoom(c.env, showId, () => c.var.database.primaryHttp)).syncActualSetlist(showId, update),
});

/** Finalisation also asks the room to confirm its acknowledged votes first (docs/scoring.md). */
const finalizeDepsOf = (c: Context<AppEnv>): FinalizeDeps => ({
  ...depsOf(c),
  settleRoom: async (showId, request) =>
    (await placedRoom(c.env, showId, () => c.var.database.primaryHttp)).settleVotes(showId, request),
  settleTimeoutMs: settleTimeoutMs(c.env.FINALIZE_SETTLE_SECONDS),
});

async function assertShowExists(c: Context<AppEnv>, showId: string): Promise<{ artistId: string; venueId: string }> {
  const [show] = await c.var.database.db
    .select({ artistId: shows.artistId, venueId: shows.venueId })
    .from(shows)
    .where(eq(shows.id, showId));
  if (!show) throw errors.notFound('show');
  return show;
}

/**
 * The actual setlist, entered live by moderators (every change reaches the room's sockets as `played` /
 * `unplayed`), finalised into scores, and the prediction's accuracy. docs/scoring.md has the rules.
 */
export const actualSetlistRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/shows/{showId}/played',
      tags: ['Actual setlist'],
      summary: 'Mark a song as played, live (moderators); the room broadcasts `played`',
      description:
        'Appends the song to the actual setlist. `songId` names a catalogue song; `title` any song (matched to the catalogue, ignoring case, when one song has that title; otherwise kept as an off-catalogue song). The first song makes an upcoming show live, which closes voting.',
      middleware: [moderators()] as const,
      security: SIGNED_IN,
      request: { params: ShowParams, body: { ...json(MarkPlayedBody), required: true } },
      responses: {
        201: { description: 'Marked; its position.', ...json(PlayedSong) },
        200: { description: 'Already on the actual setlist; the existing entry.', ...json(PlayedSong) },
        ...errorResponses(400, 401, 403, 404, 409, 422, 503),
      },
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      const body = c.req.valid('json');
      const caller = c.var.caller!;
      const song = body.songId !== undefined ? { songId: body.songId } : { title: body.title! };
      const marked = await markPlayed(depsOf(c), { showId, song, markedBy: caller.user.id });
      if (!marked.repeated)
        await recordAudit(
          c,
          'setlist.played',
          { type: 'show', id: showId },
          { position: marked.song.position, songId: marked.song.songId, title: marked.song.title },
        );
      // The show detail carries the actual setlist; a status change also moves the show in the artist's and
      // the venue's lists.
      if (!marked.repeated || marked.statusChanged) {
        const show = await assertShowExists(c, showId);
        await invalidateCatalog(c, { showId, artistId: show.artistId, venueId: show.venueId });
      }
      return c.json(marked.song, marked.repeated ? 200 : 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/shows/{showId}/played/{position}',
      tags: ['Actual setlist'],
      summary:
        'Undo: remove a played song (or the last one) while the setlist is live (moderators); the room broadcasts `unplayed`',
      middleware: [moderators()] as const,
      security: SIGNED_IN,
      request: { params: PositionParams },
      responses: {
        200: { description: 'Removed; the songs after it moved up one position.', ...json(UndoResult) },
        ...errorResponses(400, 401, 403, 404, 409, 503),
      },
    }),
    async (c) => {
      const { showId, position } = c.req.valid('param');
      const undone = await undoPlayed(depsOf(c), { showId, position: position === 'last' ? 'last' : Number(position) });
      await recordAudit(
        c,
        'setlist.unplayed',
        { type: 'show', id: showId },
        { position: undone.removed.position, songId: undone.removed.songId, title: undone.removed.title },
      );
      // The show detail carries the actual setlist.
      const show = await assertShowExists(c, showId);
      await invalidateCatalog(c, { showId, artistId: show.artistId, venueId: show.venueId });
      return c.json({ removed: undone.removed, actualSetlist: undone.actual }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/shows/{showId}/actual-setlist',
      tags: ['Actual setlist'],
      summary: 'The actual setlist: what has been played so far, or the final setlist',
      request: { params: ShowParams },
      responses: {
        200: {
          description: 'The actual setlist, in play order (state `none` before the first song).',
          ...json(ActualSetlistView),
        },
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      await assertShowExists(c, showId);
      const { revision: _revision, ...actual } = await readActualSetlist(c.var.database.db, showId);
      return c.json(actual, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/shows/{showId}/actual-setlist/finalize',
      tags: ['Actual setlist'],
      summary:
        'Finalise the actual setlist (moderators): the show is completed and scored, fans get points, the room announces `result`',
      description:
        "Voting closes first, and the show's live room must see every vote it acknowledged in Postgres before anything is scored; when it cannot within `FINALIZE_SETTLE_SECONDS`, the answer is 503 `votes_in_flight` with Retry-After and nothing is scored. Idempotent: finalising again recomputes the same scores from the same rows and never adds points twice.",
      middleware: [moderators()] as const,
      security: SIGNED_IN,
      request: { params: ShowParams },
      responses: {
        200: { description: 'Scored.', ...json(ShowFinalized) },
        ...errorResponses(400, 401, 403, 404, 409, 503),
      },
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      const { revision: _revision, ...finalized } = await finalizeShow(finalizeDepsOf(c), showId);
      await publishSetlist(c, showId);
      await recordAudit(
        c,
        'setlist.finalize',
        { type: 'show', id: showId },
        { score: finalized.score.score, fans: finalized.fans, pointsAwarded: finalized.pointsAwarded },
      );
      const show = await assertShowExists(c, showId);
      await invalidateCatalog(c, { showId, artistId: show.artistId, venueId: show.venueId });
      return c.json(finalized, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/shows/{showId}/accuracy',
      tags: ['Actual setlist'],
      summary:
        "How well the fans' prediction matched the actual setlist (404 `not_scored` until the show is finalised)",
      request: { params: ShowParams },
      responses: {
        200: { description: 'The score and how it was computed.', ...json(ShowAccuracyView) },
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      const db = c.var.database.db;
      const [[row], [fans]] = await Promise.all([
        db.select().from(showAccuracy).where(eq(showAccuracy.showId, showId)),
        db
          .select({ n: count(), points: sql<number>`coalesce(sum(${fanScores.points}), 0)::int` })
          .from(fanScores)
          .where(eq(fanScores.showId, showId)),
      ]);
      if (!row) {
        await assertShowExists(c, showId);
        throw new ApiError(404, 'not_scored', 'This show has not been scored yet: its actual setlist is not final.');
      }
      const details = row.details as PredictionDetail & { hits: number };
      const view: ShowAccuracyView = {
        showId,
        topN: row.topN,
        hits: details.hits,
        played: details.played.length,
        precision: row.precision,
        recall: row.recall,
        positionBonus: row.positionBonus,
        score: row.score,
        fans: fans?.n ?? 0,
        pointsAwarded: fans?.points ?? 0,
        computedAt: row.computedAt.toISOString(),
        details: { predicted: details.predicted, played: details.played },
      };
      return c.json(view, 200);
    },
  );
