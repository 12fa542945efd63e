import { and, eq } from 'drizzle-orm';
import type { PrimaryDatabase } from '#shared/db/client';
import { featureFlags } from '#shared/db/schema';
import { defaultRule, FLAGS, type FlagKey, type FlagRule } from './registry';

export interface FlagView extends FlagRule {
  key: FlagKey;
  environment: string;
  description: string;
  subject: 'user' | 'show';
  /** false: no row yet, the code's default applies. */
  stored: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** Every flag the code knows, in one environment, with its stored rule or its default. */
export async function listFlags(db: PrimaryDatabase, environment: string): Promise<FlagView[]> {
  const rows = await db.select().from(featureFlags).where(eq(featureFlags.environment, environment));
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return (Object.keys(FLAGS) as FlagKey[]).map((key) => {
    const row = byKey.get(key);
    const rule = row ? { enabled: row.enabled, percentage: row.percentage, userIds: row.userIds } : defaultRule(key);
    return {
      key,
      environment,
      description: FLAGS[key].description,
      subject: FLAGS[key].subject,
      ...rule,
      stored: Boolean(row),
      updatedAt: row?.updatedAt.toISOString() ?? null,
      updatedBy: row?.updatedBy ?? null,
    };
  });
}

/** Stores a flag's rule in one environment; returns the rule it replaces (for the audit log). */
export async function putFlag(
  db: PrimaryDatabase,
  key: FlagKey,
  environment: string,
  rule: FlagRule,
  actorId: string,
): Promise<{ before: FlagRule }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(featureFlags)
      .where(and(eq(featureFlags.key, key), eq(featureFlags.environment, environment)))
      .for('update');
    const before = row ? { enabled: row.enabled, percentage: row.percentage, userIds: row.userIds } : defaultRule(key);
    const values = { ...rule, updatedBy: actorId, updatedAt: new Date() };
    await tx
      .insert(featureFlags)
      .values({ key, environment, ...values })
      .onConflictDoUpdate({ target: [featureFlags.key, featureFlags.environment], set: values });
    return { before };
  });
}
