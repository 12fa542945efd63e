import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import { z } from 'zod';
import { auditLog, users } from '#shared/db/schema';
import { errors } from '#shared/errors';
import { Me, UserRole } from '#shared/schemas/auth';
import { PageQuery } from '#shared/schemas/common';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { forgetUserSessions } from '../auth/session-cache';
import { toMe } from '../auth/sessions';
import { requireRole } from '../middleware/session/require-role';
import { errorResponses, json, SIGNED_IN } from '../http/openapi';
import { cursorKeys, decodeSortedCursor, encodeCursor } from '../http/pagination';

const RoleBody = z.object({ role: UserRole }).meta({ id: 'RoleBody' });
const AuditEntry = z
  .object({
    id: z.uuid(),
    actorId: z.uuid().nullable(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    details: z.unknown(),
    requestId: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: 'AuditEntry' });
const AuditPage = z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() }).meta({ id: 'AuditPage' });

/** Admins manage users' roles; every change lands in the audit log, which admins can read. */
export const adminUserRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'put',
      path: '/admin/users/{userId}/role',
      tags: ['Administration'],
      summary: "Set a user's role (fan, moderator, admin)",
      middleware: [requireRole('admin')] as const,
      security: SIGNED_IN,
      request: { params: z.object({ userId: z.uuid() }), body: { ...json(RoleBody), required: true } },
      responses: { 200: { description: 'The updated user.', ...json(Me) }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      const { role } = c.req.valid('json');
      if (userId === c.var.caller!.user.id && role !== 'admin') {
        throw errors.conflict('cannot_demote_self', 'Admins cannot remove their own admin role; ask another admin.');
      }
      const db = c.var.database.db.$primary;
      const [before] = await db
        .select({ role: users.role })
        .from(users)
        .where(and(eq(users.id, userId), isNull(users.deletedAt)));
      if (!before) throw errors.notFound('user');
      const [user] = await db
        .update(users)
        .set({ role, updatedAt: new Date() })
        .where(eq(users.id, userId))
        .returning();
      // Cached sessions carry the role: this isolate's copies go now, other isolates' within SESSION_CACHE_SECONDS.
      forgetUserSessions(userId);
      await recordAudit(c, 'user.role_change', { type: 'user', id: userId }, { from: before.role, to: role });
      return c.json(toMe(user!), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/admin/audit-log',
      tags: ['Administration'],
      summary: 'Privileged actions, newest first',
      middleware: [requireRole('admin')] as const,
      security: SIGNED_IN,
      request: { query: PageQuery },
      responses: {
        200: { description: 'A page of audit entries.', ...json(AuditPage) },
        ...errorResponses(400, 401, 403, 422),
      },
    }),
    async (c) => {
      const { limit, cursor: rawCursor } = c.req.valid('query');
      const cursor = decodeSortedCursor(rawCursor, 'at', 'at', cursorKeys.date);
      const rows = await c.var.database.db.$primary
        .select()
        .from(auditLog)
        .where(
          cursor
            ? or(lt(auditLog.at, cursor.key), and(eq(auditLog.at, cursor.key), lt(auditLog.id, cursor.id)))
            : undefined,
        )
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return c.json(
        {
          items: page.map((r) => ({ ...r, at: r.at.toISOString() })),
          nextCursor: rows.length > limit && last ? encodeCursor({ k: last.at.toISOString(), id: last.id }) : null,
        },
        200,
      );
    },
  );
