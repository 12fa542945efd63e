import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Context } from 'hono';
import type { Database } from '#shared/db/client';
import { auditLog } from '#shared/db/schema';
import type { AppEnv } from './app-env';
import { cursorKeys, decodeSortedCursor, keysetPage } from './http/pagination';

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

/** The audit log, newest first, from the primary; the cursor is (at, id) of the last entry. */
export async function auditPage(db: Database, { limit, cursor: rawCursor }: { limit: number; cursor?: string }) {
  const cursor = decodeSortedCursor(rawCursor, 'at', 'at', cursorKeys.date);
  const rows = await db.$primary
    .select()
    .from(auditLog)
    .where(
      cursor
        ? or(lt(auditLog.at, cursor.key), and(eq(auditLog.at, cursor.key), lt(auditLog.id, cursor.id)))
        : undefined,
    )
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit + 1);
  const { page, nextCursor } = keysetPage(rows, limit, (last) => ({ k: last.at.toISOString(), id: last.id }));
  return { items: page.map((r) => ({ ...r, at: r.at.toISOString() })), nextCursor };
}
