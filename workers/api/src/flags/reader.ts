import { type DatabaseEnv, openHttpSql } from '#shared/db/client';
import type { Logger } from '#shared/log';
import { flagOn } from './evaluate';
import { defaultRule, FLAGS, type FlagKey, type FlagRule } from './registry';

/** How long an isolate trusts the flags it read; a flip reaches every isolate within this. */
export const FLAG_TTL_MS = 15_000;

export interface FlagEnv extends DatabaseEnv {
  /** development | staging | production: which rows of feature_flags apply. */
  DEPLOY_ENVIRONMENT?: string;
}

type Rules = Map<FlagKey, FlagRule>;
interface Cached {
  rules: Rules;
  readAt: number;
  refreshing: boolean;
}

/** Per isolate and environment: flags are read on hot paths (every live socket), so at most one query per TTL. */
const cache = new Map<string, Cached>();

/**
 * The rule of every known flag in this environment. The first call of an isolate reads them (one SQL-over-HTTP
 * query); later calls answer from memory, and the first call after the TTL refreshes them while other requests
 * keep the previous answer. Refreshes are never shared across requests (workerd forbids one request waiting on
 * another's I/O). If Postgres cannot be read the last rules (or the defaults of FLAGS) stay in force.
 */
export async function flagRules(env: FlagEnv, log?: Logger, now = Date.now()): Promise<Rules> {
  const environment = env.DEPLOY_ENVIRONMENT || 'development';
  const cached = cache.get(environment);
  if (cached && (now - cached.readAt < FLAG_TTL_MS || cached.refreshing)) return cached.rules;
  if (cached) cached.refreshing = true;
  try {
    const rules = await readRules(env, environment);
    cache.set(environment, { rules, readAt: now, refreshing: false });
    return rules;
  } catch (err) {
    log?.warn('feature flags could not be read; keeping the last known rules', { err });
    const fallback = cached?.rules ?? defaults();
    cache.set(environment, { rules: fallback, readAt: now, refreshing: false });
    return fallback;
  }
}

/** Whether `subject` gets `key` in this environment (see flagOn). */
export async function isFlagOn(
  env: FlagEnv,
  key: FlagKey,
  subject: { userId?: string | null; id: string },
  log?: Logger,
): Promise<boolean> {
  const rules = await flagRules(env, log);
  return flagOn(key, rules.get(key) ?? defaultRule(key), subject);
}

/** Forgets what this isolate read (the admin route calls it after a change, so the changing isolate sees it at once). */
export function forgetFlags(): void {
  cache.clear();
}

async function readRules(env: FlagEnv, environment: string): Promise<Rules> {
  const rows = (await openHttpSql(env).query(
    'select key, enabled, percentage, user_ids from feature_flags where environment = $1',
    [environment],
  )) as { key: string; enabled: boolean; percentage: number; user_ids: string[] }[];
  const rules = defaults();
  for (const row of rows) {
    if (!(row.key in FLAGS)) continue; // a flag removed from the code: its row is ignored until deleted
    rules.set(row.key as FlagKey, { enabled: row.enabled, percentage: row.percentage, userIds: row.user_ids });
  }
  return rules;
}

function defaults(): Rules {
  return new Map((Object.keys(FLAGS) as FlagKey[]).map((key) => [key, defaultRule(key)]));
}
