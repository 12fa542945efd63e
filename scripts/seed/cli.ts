/**
 * tsx scripts/seed/cli.ts [--scale N] [--artists N] [--venues N] [--users N] [--shows N] [--seed S] [--now ISO]
 *                         [--force] [--chunk-size N] [--database-url URL [--create-database] | --pglite DIR]
 *
 * Applies migrations, then seeds once (see index.ts). Progress goes to stderr, the summary to stdout.
 *
 * Anchor date: unless --now is given, "now" is today's UTC midnight, not the current instant. Runs on
 * the same UTC day are therefore identical, while shows still fall around the day the demo is used
 * (past, today, upcoming). Pass --now to reproduce a database exactly on another day.
 */
import { parseArgs } from 'node:util';
import { ensureDatabase, openTarget } from './connect';
import type { CountOverrides } from './generate';
import { type DemoLogins, seedDatabase } from './index';
import { progressReporter, summary } from './progress';
import { utcMidnight } from './time';

const USAGE = `usage: tsx scripts/seed/cli.ts [--scale N] [--artists N] [--venues N] [--users N] [--shows N] [--seed S]
                           [--now ISO-DATE] [--force] [--chunk-size N]
                           [--database-url URL [--create-database] | --pglite DIR]
  --scale N         multiplies the data: 1 = 50 artists, 200 venues, 2,000 users, 1,000 shows (default 1)
  --artists N       exact number of artists, instead of 50 × scale (likewise --venues, --users, --shows;
                    --users counts generated fans, the 3 demo accounts come on top). Votes follow the shows:
                    ~30 per show, so --shows 50000 gives ~1.5 M votes
  --seed S          integer seed (default 1); same seed + scale + --now = identical data
  --now ISO-DATE    anchor instant for past/live/upcoming (default: today 00:00 UTC)
  --force           empty the domain tables and seed again even if already seeded
  --database-url    Postgres URL (default: $DATABASE_URL)
  --create-database create the URL's database first if it does not exist (via the server's postgres database)
  --pglite DIR      use PGlite stored in DIR (or memory://) instead of Postgres`;

/** A mistake in the command line: reported with the usage text, without a stack trace. */
class UsageError extends Error {}

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number, got ${raw}`);
  return value;
}

function printLogins(logins: DemoLogins): void {
  console.log('demo logins:');
  for (const a of logins.accounts) console.log(`  ${a.role.padEnd(9)} ${a.email} / ${a.password}`);
  console.log(`  other users: any generated email / ${logins.sharedPassword}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string' },
      seed: { type: 'string' },
      now: { type: 'string' },
      force: { type: 'boolean', default: false },
      'chunk-size': { type: 'string' },
      'database-url': { type: 'string' },
      'create-database': { type: 'boolean', default: false },
      pglite: { type: 'string' },
      artists: { type: 'string' },
      venues: { type: 'string' },
      users: { type: 'string' },
      shows: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const scale = positiveNumber('scale', values.scale, 1);
  const seed = Math.trunc(positiveNumber('seed', values.seed, 1));
  const chunkSize = Math.trunc(positiveNumber('chunk-size', values['chunk-size'], 5_000));
  const counts: CountOverrides = {};
  for (const key of ['artists', 'venues', 'users', 'shows'] as const) {
    const raw = values[key];
    if (raw === undefined) continue;
    const value = Number(raw.replace(/_/g, ''));
    if (!Number.isInteger(value) || value < 1) throw new UsageError(`--${key} must be a positive integer, got ${raw}`);
    counts[key] = value;
  }
  const now = new Date(values.now ?? utcMidnight(Date.now()));
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now is not a date: ${values.now}`);
  const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
  if (!values.pglite && !databaseUrl)
    throw new UsageError('no database: pass --database-url URL (or set DATABASE_URL) or --pglite DIR');
  if (values['create-database']) {
    if (values.pglite || !databaseUrl) throw new UsageError('--create-database needs --database-url');
    if (await ensureDatabase(databaseUrl))
      process.stderr.write(`created database ${new URL(databaseUrl).pathname.slice(1)}\n`);
  }

  const target = await openTarget({
    pgliteDir: values.pglite,
    databaseUrl: values.pglite ? undefined : databaseUrl,
  });
  try {
    process.stderr.write(`${target.label}: applying migrations\n`);
    await target.migrate();
    const overrides = Object.entries(counts)
      .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
      .join(', ');
    process.stderr.write(
      `seeding scale ${scale}${overrides ? ` (exact: ${overrides})` : ''}, seed ${seed}, now ${now.toISOString()}\n`,
    );
    const progress = progressReporter();
    const result = await seedDatabase(target.executor, {
      scale,
      counts,
      seed,
      now,
      force: values.force,
      chunkSize,
      onProgress: progress.report,
    });
    progress.flush();
    if (result.status === 'skipped') {
      console.log('already seeded (the demo fan exists); pass --force to wipe and seed again');
    } else {
      console.log(`seeded in ${(result.elapsedMs / 1000).toFixed(1)}s:`);
      console.log(summary(result.counts, result.elapsedMs));
      console.log(`  peak RSS      ${`${Math.round(process.resourceUsage().maxRSS / 1024)} MB`.padStart(12)}`);
    }
    printLogins(result.logins);
  } finally {
    await target.close();
  }
}

/** Database errors from PGlite carry the whole parameter list (megabytes): print only what helps. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const extra = ['detail', 'hint', 'where', 'constraint', 'table']
    .map((key) => [key, (error as unknown as Record<string, unknown>)[key]] as const)
    .filter(([, value]) => typeof value === 'string' && value.length > 0)
    .map(([key, value]) => `  ${key}: ${String(value).slice(0, 300)}`);
  return [error.stack ?? error.message, ...extra].join('\n');
}

main().catch((error: unknown) => {
  if (
    error instanceof UsageError ||
    (error instanceof TypeError && 'code' in error && error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
  ) {
    console.error(`${error.message}\n\n${USAGE}`);
  } else {
    console.error(describeError(error));
  }
  process.exitCode = 1;
});
