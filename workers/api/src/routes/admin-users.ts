import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { errors } from '#shared/errors';
import { Me, UserRole } from '#shared/schemas/auth';
import { PageQuery } from '#shared/schemas/common';
import type { AppEnv } from '../app-env';
import { auditPage, recordAudit } from '../audit';
import { forgetUserSessions } from '../auth/session-cache';
import { toMe } from '../auth/sessions';
import { setUserRole } from '../auth/users';
import { route } from '../http/route';
import { setEuRole } from '../residency/eu-accounts';

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
    route({
      method: 'put',
      path: '/admin/users/{userId}/role',
      tag: 'Administration',
      summary: "Set a user's role (fan, moderator, admin)",
      auth: 'admin',
      params: z.object({ userId: z.uuid() }),
      body: RoleBody,
      response: [200, 'The updated user.', Me],
      errors: [400, 404, 409],
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      const { role } = c.req.valid('json');
      if (userId === c.var.caller!.user.id && role !== 'admin') {
        throw errors.conflict('cannot_demote_self', 'Admins cannot remove their own admin role; ask another admin.');
      }
      const changed = await setUserRole(c.var.database.db, userId, role);
      if (!changed) throw errors.notFound('user');
      // An EU fan's session lookup reads the role from the EU database (residency/eu-accounts.ts).
      const eu = c.var.database.eu;
      if (changed.user.homeRegion === 'eu' && eu) await setEuRole(eu, userId, role);
      // Cached sessions carry the role: this isolate's copies go now, other isolates' within SESSION_CACHE_SECONDS.
      forgetUserSessions(userId);
      await recordAudit(c, 'user.role_change', { type: 'user', id: userId }, { from: changed.before, to: role });
      return c.json(toMe(changed.user), 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/admin/audit-log',
      tag: 'Administration',
      summary: 'Privileged actions, newest first',
      auth: 'admin',
      query: PageQuery,
      response: [200, 'A page of audit entries.', AuditPage],
      errors: [400, 422],
    }),
    async (c) => {
      return c.json(await auditPage(c.var.database.db, c.req.valid('query')), 200);
    },
  );
