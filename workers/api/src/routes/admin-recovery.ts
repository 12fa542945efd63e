import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { RebuildResult, RecheckResult } from '#shared/schemas/recovery';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { json } from '../http/openapi';
import { route } from '../http/route';
import { rebuildDerived } from '../recovery/rebuild';
import { recheckRooms } from '../recovery/recheck';

const RebuildBody = z
  .object({
    since: z.iso.datetime({ offset: true }).optional().meta({
      description:
        'The restore point. Notification triggers recorded from an hour before it are fanned out again (idempotent per fan and channel), so inboxes written after it come back.',
    }),
  })
  .meta({ id: 'RebuildRequest' });

const RecheckBody = z
  .object({
    showIds: z
      .array(z.uuid())
      .min(1)
      .max(500)
      .optional()
      .meta({ description: 'These shows only. Without it: every show whose voting window overlaps [since, now].' }),
    since: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'The restore point (the backup time). Default: 24 hours ago.' }),
    after: z.uuid().optional().meta({ description: 'The `next` of the previous page.' }),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .meta({ id: 'RecheckRequest' });

/** Both recovery calls: admin POSTs, answered 503 when the work cannot run now. */
const RECOVERY = { method: 'post', tag: 'Operations', auth: 'admin', errors: [400, 503] } as const;

/** Recovery after a database restore (docs/operations.md, "Recovery"): rebuild derived tables, recheck rooms. */
export const adminRecoveryRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      ...RECOVERY,
      path: '/admin/recovery/rebuild',
      summary: 'Recompute every table derived from the vote rows (after a restore)',
      description:
        'Vote counts, scores of finalised shows, fan totals (the leaderboards), trending and the analytics rollups, recomputed from the rows. Idempotent; safe while votes arrive. docs/operations.md#recovery.',
      body: { required: false, ...json(RebuildBody) },
      response: [200, 'What was recomputed.', RebuildResult],
    }),
    async (c) => {
      const { since } = c.req.valid('json');
      const result = await rebuildDerived(c.var.database.db, c.env.NOTIFICATIONS, {
        since: since ? new Date(since) : undefined,
      });
      await recordAudit(c, 'recovery.rebuild', { type: 'database' }, { ...result });
      return c.json(result, 200);
    },
  )
  .openapi(
    route({
      ...RECOVERY,
      path: '/admin/recovery/recheck',
      summary: 'Make live rooms compare their votes with Postgres now and re-send what it lacks (after a restore)',
      description:
        'Each room compares every vote it holds with Postgres and writes the events Postgres lacks; the vote consumer applies them. Idempotent. A room with events in flight compares once they are confirmed (listed in `unsettled`: call again). Pages by show id: pass `next` as `after`. docs/operations.md#recovery.',
      body: { required: false, ...json(RecheckBody) },
      response: [200, 'What the rooms found.', RecheckResult],
    }),
    async (c) => {
      const body = c.req.valid('json');
      const since = body.since ? new Date(body.since) : new Date(Date.now() - 86_400_000);
      const result = await recheckRooms(c.var.database.db, c.env, {
        showIds: body.showIds,
        since,
        after: body.after,
        limit: body.limit,
      });
      await recordAudit(
        c,
        'recovery.recheck',
        { type: 'rooms' },
        { rooms: result.rooms, repairs: result.repairs, since: since.toISOString() },
      );
      return c.json(result, 200);
    },
  );
