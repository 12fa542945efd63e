import type { Context } from 'hono';
import { auditLog } from '#shared/db/schema';
import type { AppEnv } from './app-env';

/**
 * Records a privileged action in the append-only audit log (who, what, which target, when, which request).
 * Written to the primary in the same request, so an action that succeeded is never missing from the log.
 */
export async function recordAudit(
  c: Context<AppEnv>,
  action: string,
  target: { type: string; id?: string | null },
  details: Record<string, unknown> = {},
): Promise<void> {
  await c.var.database.db.$primary.insert(auditLog).values({
    actorId: c.var.caller?.user.id ?? null,
    action,
    targetType: target.type,
    targetId: target.id ?? null,
    details,
    requestId: c.var.requestId,
  });
}
