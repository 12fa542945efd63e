/**
 * The relay's single listening port: node:http for `POST /sql` and `GET /health`, plus a `ws`
 * WebSocketServer (noServer mode) for upgrades on `/v2`, the path Neon's driver uses by default.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { handleSqlRequest, sendJson, statementKey } from './http-sql.js';
import type { SqlExecutor } from './sql-executor.js';

export interface RelayServerOptions {
  host: string;
  port: number;
  mode: 'pglite' | 'upstream';
  sql: SqlExecutor;
  /** Serves one WebSocket connection; resolves when it is closed and cleaned up. */
  onSocket: (ws: WebSocket, name: string) => Promise<void>;
  /**
   * Further databases by the host name a client asks for (`?address=` of the WebSocket, the host of
   * `Neon-Connection-String` for HTTP): locally, e.g. the EU database of per-fan residency. Any other host is
   * the main database.
   */
  byHost?: Record<string, { sql: SqlExecutor; onSocket: (ws: WebSocket, name: string) => Promise<void> }>;
  log: (line: string) => void;
}

export interface RelayServer {
  /** host:port actually bound (port 0 resolved). */
  address: string;
  close(): Promise<void>;
}

/**
 * Counters and fault switches for tests and benchmarks (`GET /__relay/stats`, `POST /__relay/faults`).
 * A round trip is one `/sql` request or one client frame on a WebSocket (the driver sends a whole query,
 * or a pipelined batch, per frame).
 */
export interface RelayStats {
  sqlRequests: number;
  wsConnections: number;
  wsFrames: number;
  /**
   * The same counters per database host the client asked for (`?address=` of the WebSocket, the host of
   * `Neon-Connection-String` for HTTP). Routing ignores it; tests use it to see which queries went to the
   * primary and which to a replica when both URLs point at this relay under different host names.
   */
  byHost: Record<string, { sqlRequests: number; wsConnections: number; wsFrames: number }>;
  /** `/sql` requests by their first statement (`statementKey`): which part of the system made the round trips. */
  byStatement: Record<string, number>;
}

interface Faults {
  /** The next N `/sql` requests (whose body contains `match`, when set) answer 503 as if the database were unreachable. */
  failSql: number;
  match: string | null;
  /** While true, every `/sql` request fails and new WebSockets are refused. */
  down: boolean;
  /**
   * Fault drills: the next N outbox sends of rooms that ask (`POST /__relay/queue-send`, only with the room's
   * local-only ROOM_FAULT_HOOKS) are refused, or hang until the room gives up on them.
   */
  queueSends: number;
  queueFault: 'refuse' | 'hang';
}

function hostOfConnectionString(header: string | string[] | undefined): string {
  try {
    return new URL(String(header)).hostname || 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function startRelayServer(opts: RelayServerOptions): Promise<RelayServer> {
  const { log } = opts;
  const open = new Map<WebSocket, Promise<void>>();
  let nextConn = 1;
  const stats: RelayStats = { sqlRequests: 0, wsConnections: 0, wsFrames: 0, byHost: {}, byStatement: {} };
  const host = (name: string) => (stats.byHost[name] ??= { sqlRequests: 0, wsConnections: 0, wsFrames: 0 });
  const faults: Faults = { failSql: 0, match: null, down: false, queueSends: 0, queueFault: 'refuse' };

  const server = createServer((req, res) => {
    void route(req, res);
  });

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://relay').pathname;
    if (req.method === 'OPTIONS') {
      // CORS preflight (browser tools); the driver itself never sends one from workerd or Node.
      res.writeHead(204, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
        'Access-Control-Allow-Headers': '*',
        'Access-Control-Max-Age': '86400',
      });
      res.end();
    } else if (path === '/sql' && req.method === 'POST') {
      stats.sqlRequests++;
      const requested = hostOfConnectionString(req.headers['neon-connection-string']);
      host(requested).sqlRequests++;
      await handleSqlRequest(
        req,
        res,
        opts.byHost?.[requested]?.sql ?? opts.sql,
        log,
        (body) => {
          if (faults.down) return true;
          if (faults.failSql <= 0 || (faults.match !== null && !body.includes(faults.match))) return false;
          faults.failSql--;
          return true;
        },
        (first) => {
          const key = statementKey(first);
          stats.byStatement[key] = (stats.byStatement[key] ?? 0) + 1;
        },
      );
    } else if (path === '/__relay/stats' && req.method === 'GET') {
      sendJson(res, 200, { ...stats, faults });
    } else if (path === '/__relay/stats' && req.method === 'DELETE') {
      Object.assign(stats, { sqlRequests: 0, wsConnections: 0, wsFrames: 0, byHost: {}, byStatement: {} });
      sendJson(res, 200, stats);
    } else if (path === '/__relay/faults' && req.method === 'POST') {
      const body = await readJson(req);
      if (typeof body.failSql === 'number') faults.failSql = Math.max(0, Math.floor(body.failSql));
      if (typeof body.failSql === 'number') faults.match = typeof body.match === 'string' ? body.match : null;
      if (typeof body.down === 'boolean') faults.down = body.down;
      if (typeof body.queueSends === 'number') faults.queueSends = Math.max(0, Math.floor(body.queueSends));
      if (body.queueFault === 'refuse' || body.queueFault === 'hang') faults.queueFault = body.queueFault;
      log(`faults set: ${JSON.stringify(faults)}`);
      sendJson(res, 200, faults);
    } else if (path === '/__relay/queue-send' && req.method === 'POST') {
      const fault = faults.queueSends > 0 ? faults.queueFault : null;
      if (fault) faults.queueSends--;
      sendJson(res, 200, { fault });
    } else if (path === '/health' && req.method === 'GET') {
      sendJson(res, 200, { ok: true, mode: opts.mode });
    } else {
      sendJson(res, 404, { message: `no route for ${req.method ?? '?'} ${path}` });
    }
  };

  // perMessageDeflate off: frames are small and latency matters; a client offering it simply gets none.
  // No handleProtocols: `ws` then accepts the first subprotocol a client offers, and none is required.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', (err) => log(`upgrade socket: ${err.message}`));
    const path = new URL(req.url ?? '/', 'http://relay').pathname;
    if (path !== '/v2') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (faults.down) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // `?address=host:port` only picks one of `byHost`'s databases; the relay never dials what a client names.
    wss.handleUpgrade(req, socket, head, (ws) => {
      const name = `ws#${nextConn++}`;
      const hostName = (new URL(req.url ?? '/', 'http://relay').searchParams.get('address') ?? 'unknown').replace(
        /:\d+$/,
        '',
      );
      const requested = host(hostName);
      stats.wsConnections++;
      requested.wsConnections++;
      ws.on('message', () => {
        stats.wsFrames++;
        requested.wsFrames++;
      });
      const done = (opts.byHost?.[hostName]?.onSocket ?? opts.onSocket)(ws, name).catch((err: unknown) =>
        log(`${name}: ${String(err)}`),
      );
      open.set(ws, done);
      void done.finally(() => open.delete(ws));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log(`http server: ${err.message}`));

  const bound = server.address() as AddressInfo;

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  const hostPart = bound.address.includes(':') ? `[${bound.address}]` : bound.address;

  return {
    address: `${hostPart}:${bound.port}`,
    async close(): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Hang up every WebSocket; each connection's cleanup rolls back whatever it left open.
      for (const ws of open.keys()) ws.terminate();
      await Promise.all(open.values());
      wss.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
