/**
 * Feature flags (workers/api/src/flags): one row per flag and environment, changed by admins through
 * PUT /v1/admin/flags/{key} (audited) and read by every worker through a short per-isolate cache.
 */
import { sql } from 'drizzle-orm';
import { boolean, check, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { refersTo, updatedAt } from './columns';
import { users } from './schema';

export const featureFlags = pgTable(
  'feature_flags',
  {
    key: text('key').notNull(),
    /** The deploy environment the row applies to (`DEPLOY_ENVIRONMENT`: development, staging, production). */
    environment: text('environment').notNull(),
    enabled: boolean('enabled').notNull().default(false),
    /** Share of subjects (users or shows) that get the flag while it is enabled, by a stable hash. */
    percentage: integer('percentage').notNull().default(100),
    /** Users who always get the flag while it is enabled (staff trying a change first). */
    userIds: jsonb('user_ids').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    updatedBy: refersTo('updated_by', () => users.id),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.key, t.environment] }),
    check('feature_flags_percentage_range', sql`${t.percentage} between 0 and 100`),
  ],
);
