import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, openHttpSql } from '#shared/db/client';
import { sqlFingerprint } from '#shared/db/fingerprint';
import { runWithTrace } from '#shared/trace/context';

function captureWarnings() {
  const lines: Record<string, unknown>[] = [];
  const spy = vi.spyOn(console, 'warn').mockImplementation((line: string) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { lines, spy };
}

afterEach(() => vi.restoreAllMocks());

const trace = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', sampled: true };

describe('slow statements are logged with the trace id, the duration and a fingerprint of the SQL', () => {
  it('over SQL over HTTP, a query and a transaction; never with the parameters', async () => {
    const { lines } = captureWarnings();
    // A threshold every round trip exceeds: the real driver, the relay and Postgres, measured.
    const sql = openHttpSql({ ...env, SLOW_STATEMENT_MS: '0.001', LOG_LEVEL: 'warn' });
    await runWithTrace(trace, async () => {
      await sql.query("select $1::text as secret, 'literal' as l", ['fan@example.com']);
      await sql.transaction([sql.query('select 1'), sql.query('select 2')]);
    });
    const slow = lines.filter((l) => l.msg === 'slow statement');
    expect(slow).toHaveLength(2);
    expect(slow[0]).toMatchObject({
      level: 'warn',
      traceId: trace.traceId,
      fingerprint: sqlFingerprint("select $1::text as secret, 'literal' as l"),
      statement: 'select ?::text as secret, ? as l',
    });
    expect(slow[0]!.durationMs).toBeGreaterThan(0);
    expect(JSON.stringify(slow)).not.toContain('fan@example.com');
    expect(slow[1]!.statement).toBe('select ?; select ?');
  });

  it('over the WebSocket pool (drizzle), and not at all under the threshold or when off', async () => {
    const { lines } = captureWarnings();
    const slowHandle = openDatabase({ ...env, SLOW_STATEMENT_MS: '0.001', LOG_LEVEL: 'warn' });
    const quietHandle = openDatabase({ ...env, SLOW_STATEMENT_MS: '60000', LOG_LEVEL: 'warn' });
    const offHandle = openDatabase({ ...env, SLOW_STATEMENT_MS: '0', LOG_LEVEL: 'warn' });
    try {
      await runWithTrace(trace, async () => {
        await slowHandle.db.$primary.execute('select 42 as answer');
        await quietHandle.db.$primary.execute('select 43');
        await offHandle.db.$primary.execute('select 44');
      });
    } finally {
      await Promise.all([slowHandle.close(), quietHandle.close(), offHandle.close()]);
    }
    const statements = lines.filter((l) => l.msg === 'slow statement').map((l) => l.statement);
    expect(statements).toContain('select ? as answer');
    expect(statements.every((s) => s === 'select ? as answer' || s === 'connect')).toBe(true);
    for (const l of lines) expect(l.traceId).toBe(trace.traceId);
  });
});
