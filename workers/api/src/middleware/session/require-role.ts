import { createMiddleware } from 'hono/factory';
import { errors } from '#shared/errors';
import type { UserRole } from '#shared/schemas/auth';
import type { AppEnv } from '../../app-env';

/** Role guard: 401 when anonymous, 403 when signed in without one of the roles. */
export const requireRole = (...roles: UserRole[]) =>
  createMiddleware<AppEnv>(async function requireRole(c, next) {
    const caller = c.get('caller');
    if (!caller) throw errors.unauthenticated();
    if (!roles.includes(caller.user.role)) throw errors.forbidden();
    await next();
  });
