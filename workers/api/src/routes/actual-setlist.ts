import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { ApiError } from '#shared/errors';
import {
  ActualSetlistView,
  MarkPlayedBody,
  PlayedSong,
  PredictionScore,
  ShowAccuracyView,
} from '#shared/schemas/scoring';
import { markPlayed, readActualSetlist, undoPlayed } from '#shared/scoring/actual-setlist';
import { finalizeShow } from '#shared/scoring/finalize';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { invalidateShow } from '../cache/invalidate';
import { existingShow } from '../catalog/shows';
import { json } from '../http/openapi';
import { route } from '../http/route';
import { publishSetlist } from '../notifications/announce';
import { readShowAccuracy } from '../scoring/accuracy';
import { actualSetlistDeps, finalizeDeps } from '../scoring/deps';

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

/** The audit entry of a change to a show's actual setlist. */
const auditSetlist = (c: Context<AppEnv>, action: string, showId: string, details: Record<string, unknown>) =>
  recordAudit(c, action, { type: 'show', id: showId }, details);

/** What the audit says of a song marked played or taken back: which song, at which position. */
const songDetails = ({ position, songId, title }: Pick<PlayedSong, 'position' | 'songId' | 'title'>) => ({
  position,
  songId,
  title,
});

/**
 * The actual setlist, entered live by moderators (every change reaches the room's sockets as `played` /
 * `unplayed`), finalised into scores, and the prediction's accuracy. docs/scoring.md has the rules.
 */
export const actualSetlistRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'post',
      path: '/shows/{showId}/played',
      tag: 'Actual setlist',
      summary: 'Mark a song as played, live (moderators); the room broadcasts `played`',
      description:
        'Appends the song to the actual setlist. `songId` names a catalogue song; `title` any song (matched to the catalogue, ignoring case, when one song has that title; otherwise kept as an off-catalogue song). The first song makes an upcoming show live, which closes voting.',
      auth: 'staff',
      params: ShowParams,
      body: MarkPlayedBody,
      response: [201, 'Marked; its position.', PlayedSong],
      responses: { 200: { description: 'Already on the actual setlist; the existing entry.', ...json(PlayedSong) } },
      errors: [400, 404, 409, 422, 503],
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      const body = c.req.valid('json');
      const caller = c.var.caller!;
      const song = body.songId !== undefined ? { songId: body.songId } : { title: body.title! };
      const marked = await markPlayed(actualSetlistDeps(c), { showId, song, markedBy: caller.user.id });
      if (!marked.repeated) await auditSetlist(c, 'setlist.played', showId, songDetails(marked.song));
      if (!marked.repeated || marked.statusChanged) await invalidateShow(c, showId);
      return c.json(marked.song, marked.repeated ? 200 : 201);
    },
  )
  .openapi(
    route({
      method: 'delete',
      path: '/shows/{showId}/played/{position}',
      tag: 'Actual setlist',
      summary:
        'Undo: remove a played song (or the last one) while the setlist is live (moderators); the room broadcasts `unplayed`',
      auth: 'staff',
      params: PositionParams,
      response: [200, 'Removed; the songs after it moved up one position.', UndoResult],
      errors: [400, 404, 409, 503],
    }),
    async (c) => {
      const { showId, position } = c.req.valid('param');
      const undone = await undoPlayed(actualSetlistDeps(c), {
        showId,
        position: position === 'last' ? 'last' : Number(position),
      });
      await auditSetlist(c, 'setlist.unplayed', showId, songDetails(undone.removed));
      await invalidateShow(c, showId);
      return c.json({ removed: undone.removed, actualSetlist: undone.actual }, 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/shows/{showId}/actual-setlist',
      tag: 'Actual setlist',
      summary: 'The actual setlist: what has been played so far, or the final setlist',
      params: ShowParams,
      response: [200, 'The actual setlist, in play order (state `none` before the first song).', ActualSetlistView],
      errors: [400, 404],
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      await existingShow(c.var.database.db, showId);
      const { revision: _revision, ...actual } = await readActualSetlist(c.var.database.db, showId);
      return c.json(actual, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/shows/{showId}/actual-setlist/finalize',
      tag: 'Actual setlist',
      summary:
        'Finalise the actual setlist (moderators): the show is completed and scored, fans get points, the room announces `result`',
      description:
        "Voting closes first, and the show's live room must see every vote it acknowledged in Postgres before anything is scored; when it cannot within `FINALIZE_SETTLE_SECONDS`, the answer is 503 `votes_in_flight` with Retry-After and nothing is scored. Idempotent: finalising again recomputes the same scores from the same rows and never adds points twice.",
      auth: 'staff',
      params: ShowParams,
      response: [200, 'Scored.', ShowFinalized],
      errors: [400, 404, 409, 503],
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      const { revision: _revision, ...finalized } = await finalizeShow(finalizeDeps(c), showId);
      await publishSetlist(c, showId);
      await auditSetlist(c, 'setlist.finalize', showId, {
        score: finalized.score.score,
        fans: finalized.fans,
        pointsAwarded: finalized.pointsAwarded,
      });
      await invalidateShow(c, showId);
      return c.json(finalized, 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/shows/{showId}/accuracy',
      tag: 'Actual setlist',
      summary:
        "How well the fans' prediction matched the actual setlist (404 `not_scored` until the show is finalised)",
      params: ShowParams,
      response: [200, 'The score and how it was computed.', ShowAccuracyView],
      errors: [400, 404],
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      const view = await readShowAccuracy(c.var.database.db, showId);
      if (!view) {
        await existingShow(c.var.database.db, showId);
        throw new ApiError(404, 'not_scored', 'This show has not been scored yet: its actual setlist is not final.');
      }
      return c.json(view, 200);
    },
  );
