/**
 * Local stand-in for Neon's proxy: lets @neondatabase/serverless (Pool/Client over WebSocket, and neon()
 * over HTTP) reach either an embedded PGlite database or a real Postgres server. See README.md.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { WebSocket } from 'ws';
import { PgliteEngine } from './pglite-engine.js';
import { type RelayServer, startRelayServer } from './server.js';
import { PgliteSqlExecutor } from './sql-pglite.js';
import { UpstreamSqlExecutor } from './sql-upstream.js';
import { servePgliteConnection } from './ws-pglite.js';
import { parseUpstreamUrl, serveUpstreamConnection } from './ws-upstream.js';

export { type NeonLocalSettings, neonLocalConfig } from '#shared/db/neon-config';

export interface LocalDatabase {
  /** host:port of the relay, e.g. "127.0.0.1:54321" — what workers put in neonConfig.wsProxy / fetchEndpoint */
  relayAddress: string;
  /** a postgres:// URL that node-side tools (drizzle-kit migrate, pg) can use directly when upstream is a real server; for PGlite mode, undefined */
  upstreamUrl?: string;
  /** for PGlite mode: the PGlite instance (so node-side scripts can run migrations/seed in-process). undefined in upstream mode */
  pglite?: PGlite;
  /** PGlite mode: the further databases (`extraDatabases`), by the host name that reaches them. */
  extra: Record<string, PGlite>;
  close(): Promise<void>;
}

export interface LocalDatabaseOptions {
  /** directory for persistent PGlite data; undefined = in-memory. Ignored when upstreamUrl is set */
  dataDir?: string;
  /** PGlite mode: a tarball from `pglite.dumpDataDir()` to start from (dataDir must be empty); the drill's restore */
  loadDataDir?: Blob;
  /** real Postgres URL (e.g. postgres://postgres@127.0.0.1:5432/mysetlist_test). When set, the relay pipes to it. */
  upstreamUrl?: string;
  host?: string; // default 127.0.0.1
  port?: number; // default 0 = random free port
  /**
   * PGlite mode: further PGlite databases on the same relay, each reached by a connection string with its host
   * (e.g. the EU database of per-fan residency, `postgres://…@eu.localhost/…`); in memory without a dataDir.
   */
  extraDatabases?: { host: string; dataDir?: string }[];
  log?: (line: string) => void;
}

export async function startLocalDatabase(opts: LocalDatabaseOptions): Promise<LocalDatabase> {
  const log = opts.log ?? ((line: string) => console.error(`[local-db] ${line}`));
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;

  if (opts.upstreamUrl !== undefined) {
    const target = parseUpstreamUrl(opts.upstreamUrl);
    const sql = new UpstreamSqlExecutor(opts.upstreamUrl, log);
    try {
      await sql.ping();
    } catch (err) {
      await sql.close();
      throw new Error(`local-db: cannot reach upstream ${target.host}:${target.port}: ${(err as Error).message}`);
    }
    const relay = await startRelayServer({
      host,
      port,
      mode: 'upstream',
      sql,
      onSocket: (ws, name) => serveUpstreamConnection(ws, target, name, log),
      log,
    });
    log(`relay ${relay.address} -> postgres ${target.host}:${target.port}/${target.database ?? ''}`);
    return {
      relayAddress: relay.address,
      upstreamUrl: opts.upstreamUrl,
      extra: {},
      async close() {
        await relay.close();
        await sql.close();
      },
    };
  }

  const engine = await PgliteEngine.open({
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    log,
  });
  const sql = new PgliteSqlExecutor(engine);
  const extras: { host: string; engine: PgliteEngine; sql: PgliteSqlExecutor }[] = [];
  let relay: RelayServer;
  try {
    for (const extra of opts.extraDatabases ?? []) {
      const other = await PgliteEngine.open({
        ...(extra.dataDir !== undefined ? { dataDir: extra.dataDir } : {}),
        log,
      });
      extras.push({ host: extra.host, engine: other, sql: new PgliteSqlExecutor(other) });
    }
    relay = await startRelayServer({
      host,
      port,
      mode: 'pglite',
      sql,
      onSocket: (ws, name) => servePgliteConnection(ws, engine, name, log),
      byHost: Object.fromEntries(
        extras.map((x) => [
          x.host,
          { sql: x.sql, onSocket: (ws: WebSocket, name: string) => servePgliteConnection(ws, x.engine, name, log) },
        ]),
      ),
      log,
    });
  } catch (err) {
    for (const x of extras) await x.engine.close();
    await engine.close();
    throw err;
  }
  for (const x of extras) log(`relay ${x.host} -> its own pglite`);
  log(`relay ${relay.address} -> pglite ${opts.dataDir ?? '(in-memory)'}`);
  let closing: Promise<void> | undefined;
  return {
    relayAddress: relay.address,
    pglite: engine.pglite,
    extra: Object.fromEntries(extras.map((x) => [x.host, x.engine.pglite])),
    close() {
      // Order matters: connections first (their cleanup rolls back via PGlite), then PGlite itself.
      closing ??= (async () => {
        await relay.close();
        await sql.close();
        await engine.close();
        for (const x of extras) {
          await x.sql.close();
          await x.engine.close();
        }
      })();
      return closing;
    },
  };
}
