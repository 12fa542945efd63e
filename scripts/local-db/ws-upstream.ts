/**
 * One relay WebSocket connection piped to a real Postgres server over TCP.
 *
 * Security: the driver's `?address=host:port` is ignored; we always dial the configured upstream, and we
 * rewrite the startup packet's user/database to the upstream URL's, so a worker's placeholder connection
 * string cannot reach any other database on that server.
 *
 * Apart from the startup phase this is a byte pipe, but client messages are still framed so that we can
 * see Terminate ('X') and hang up ourselves (the driver waits for the server to close the socket).
 */
import { connect, type Socket } from 'node:net';
import type { WebSocket } from 'ws';
import {
  buildStartupMessage,
  errorResponse,
  FrontendFramer,
  type FrontendMessage,
  parseStartupParams,
  sslRefused,
} from './protocol.js';
import { rawDataToBuffer } from './ws-pglite.js';

export interface UpstreamTarget {
  host: string;
  port: number;
  /** Forced into the startup packet when set. */
  user?: string;
  /** Forced into the startup packet when set. */
  database?: string;
}

export function parseUpstreamUrl(url: string): UpstreamTarget {
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new Error(`upstreamUrl must be a postgres:// URL, got ${u.protocol}`);
  }
  const target: UpstreamTarget = {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port ? Number(u.port) : 5432,
  };
  if (u.username) target.user = decodeURIComponent(u.username);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (db) target.database = db;
  return target;
}

type Phase =
  /** Before the StartupMessage (SSLRequest may come first). */
  | 'startup'
  /** Startup forwarded; client messages are held until the server's first Authentication message. */
  | 'auth-wait'
  /** Plain pipe. */
  | 'ready';

/** Serves one connection; resolves once both sides are closed. */
export function serveUpstreamConnection(
  ws: WebSocket,
  target: UpstreamTarget,
  name: string,
  log: (line: string) => void,
): Promise<void> {
  return new Promise<void>((resolveDone) => {
    const framer = new FrontendFramer();
    const held: Extract<FrontendMessage, { phase: 'regular' }>[] = [];
    let phase: Phase = 'startup';
    let authBuf = Buffer.alloc(0);
    let wsClosed = false;
    let tcpClosed = false;

    // Writes before 'connect' are queued by net.Socket, so we can dial immediately.
    const tcp: Socket = connect({ host: target.host, port: target.port });
    tcp.setNoDelay(true);

    const finish = (): void => {
      if (wsClosed && tcpClosed) resolveDone();
    };
    const sendWs = (data: Buffer): void => {
      if (ws.readyState === ws.OPEN) ws.send(data, { binary: true });
    };
    const hangUp = (code = 1000): void => {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code);
      if (!tcp.destroyed) tcp.end();
    };

    /**
     * The server's first message after the startup packet decides what to do with messages the client
     * pipelined behind it. With pipelineConnect: 'password' the driver sends a cleartext password
     * unprompted; that is only valid if the server asked for one (code 3). With trust (code 0) or SCRAM (10)
     * it would be a protocol violation, so drop it; the driver answers a SCRAM challenge by itself.
     */
    const onFirstServerMessage = (type: string, authCode: number): void => {
      const forwardPasswords = type === 'R' && authCode === 3;
      const out: Buffer[] = [];
      for (const m of held) if (m.type !== 'p' || forwardPasswords) out.push(m.bytes);
      held.length = 0;
      phase = 'ready';
      if (out.length > 0 && tcp.writable) tcp.write(Buffer.concat(out));
    };

    let serverSpoke = false;
    tcp.on('data', (chunk: Buffer) => {
      serverSpoke = true;
      sendWs(chunk);
      if (phase !== 'auth-wait') return;
      authBuf = Buffer.concat([authBuf, chunk]);
      const type = String.fromCharCode(authBuf[0]!);
      if (type === 'R') {
        if (authBuf.length >= 9) onFirstServerMessage('R', authBuf.readInt32BE(5));
      } else {
        onFirstServerMessage(type, -1);
      }
    });
    tcp.on('error', (err) => {
      log(`${name}: upstream ${target.host}:${target.port}: ${err.message}`);
      // Give the client a protocol-level reason instead of a bare disconnect - but only before the server
      // has sent anything, or we could splice our message into the middle of one of the server's.
      if (!serverSpoke) {
        sendWs(errorResponse('08006', `relay: upstream Postgres ${target.host}:${target.port}: ${err.message}`));
      }
    });
    tcp.on('close', () => {
      tcpClosed = true;
      hangUp();
      finish();
    });

    ws.on('message', (data) => {
      let messages: FrontendMessage[];
      try {
        messages = framer.push(rawDataToBuffer(data));
      } catch (err) {
        sendWs(errorResponse('08P01', `relay: ${(err as Error).message}`));
        hangUp(1011);
        return;
      }
      const forward: Buffer[] = [];
      const handle = (m: FrontendMessage): boolean => {
        if (m.phase === 'startup') {
          switch (m.kind) {
            case 'ssl':
            case 'gssenc':
              // We speak plaintext TCP to the upstream; TLS inside the tunnel is not offered.
              sendWs(sslRefused());
              return true;
            case 'cancel':
              // BackendKeyData came from the real server, so a cancel request can simply be passed on.
              forward.push(m.bytes);
              phase = 'ready';
              return true;
            case 'startup': {
              const params = parseStartupParams(m.bytes);
              if (target.user !== undefined) params.set('user', target.user);
              if (target.database !== undefined) params.set('database', target.database);
              forward.push(buildStartupMessage(m.code, params));
              phase = 'auth-wait';
              framer.enterRegularPhase();
              return true;
            }
            default:
              sendWs(errorResponse('08P01', 'relay: unsupported frontend protocol'));
              hangUp(1011);
              return false;
          }
        }
        if (phase === 'auth-wait') {
          held.push(m);
          return true;
        }
        forward.push(m.bytes);
        if (m.type === 'X') {
          // Pass Terminate on (the server then ends the session cleanly) and hang up the WebSocket ourselves.
          if (tcp.writable) tcp.write(Buffer.concat(forward));
          forward.length = 0;
          hangUp();
          return false;
        }
        return true;
      };
      let queue = messages;
      outer: while (queue.length > 0) {
        for (const m of queue) if (!handle(m)) break outer;
        // After a StartupMessage the framer holds back pipelined bytes until the phase switch; drain them.
        queue = framer.inStartupPhase ? [] : framer.drain();
      }
      if (forward.length > 0 && tcp.writable) tcp.write(Buffer.concat(forward));
    });
    ws.on('error', (err) => log(`${name}: websocket error: ${err.message}`));
    ws.on('close', () => {
      wsClosed = true;
      // Closing our side makes the server end the session (and roll back an open transaction).
      if (!tcp.destroyed) tcp.end();
      finish();
    });
  });
}
