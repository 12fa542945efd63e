/**
 * Local stand-in for Neon's proxy: lets @neondatabase/serverless (Pool/Client over WebSocket, and neon()
 * over HTTP) reach either an embedded PGlite database or a real Postgres server. See README.md.
 */
import type { PGlite } from '@electric-sql/pglite';
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
  let relay: RelayServer;
  try {
    relay = await startRelayServer({
      host,
      port,
      mode: 'pglite',
      sql,
      onSocket: (ws, name) => servePgliteConnection(ws, engine, name, log),
      log,
    });
  } catch (err) {
    await engine.close();
    throw err;
  }
  log(`relay ${relay.address} -> pglite ${opts.dataDir ?? '(in-memory)'}`);
  let closing: Promise<void> | undefined;
  return {
    relayAddress: relay.address,
    pglite: engine.pglite,
    close() {
      // Order matters: connections first (their cleanup rolls back via PGlite), then PGlite itself.
      closing ??= (async () => {
        await relay.close();
        await sql.close();
        await engine.close();
      })();
      return closing;
    },
  };
}
