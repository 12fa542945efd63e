/**
 * One relay WebSocket connection served by the embedded PGlite (Postgres wire protocol inside binary frames).
 *
 * The startup handshake is answered locally (AuthenticationOk for any password, the server's parameters,
 * ReadyForQuery) because PGlite has a single shared session: there is nothing per connection to set up.
 * After that, whole frontend messages are fed to PGlite while this connection holds an exclusive lease,
 * from its first message until PGlite is idle again (see PgliteEngine).
 */
import type { RawData, WebSocket } from 'ws';
import { LockTimeoutError } from './fifo-lock.js';
import type { PgliteEngine, PgliteLease } from './pglite-engine.js';
import {
  authenticationOk,
  backendKeyData,
  errorResponse,
  FrontendFramer,
  type FrontendMessage,
  parameterStatus,
  parseStartupParams,
  readyForQuery,
  sslRefused,
} from './protocol.js';
import { StatementNamespace } from './statement-names.js';

type RegularMessage = Extract<FrontendMessage, { phase: 'regular' }>;

export function rawDataToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Serves one connection; resolves once it is closed and its lease (if any) has been cleaned up. */
export function servePgliteConnection(
  ws: WebSocket,
  engine: PgliteEngine,
  name: string,
  log: (line: string) => void,
): Promise<void> {
  return new PgliteConnection(ws, engine, name, log).done;
}

class PgliteConnection {
  readonly done: Promise<void>;
  readonly #framer = new FrontendFramer();
  readonly #queue: RegularMessage[] = [];
  readonly #names: StatementNamespace;
  #lease: PgliteLease | undefined;
  #pumping = false;
  #closed = false;
  #cleanedUp = false;
  #resolveDone: () => void = () => {};

  constructor(
    private readonly ws: WebSocket,
    private readonly engine: PgliteEngine,
    private readonly name: string,
    private readonly log: (line: string) => void,
  ) {
    this.done = new Promise<void>((r) => {
      this.#resolveDone = r;
    });
    // Short prefix: Postgres truncates prepared-statement names to 63 bytes.
    this.#names = new StatementNamespace(`r${name.replace(/\D/g, '')}_`);
    ws.on('message', (data) => this.#onData(rawDataToBuffer(data)));
    ws.on('close', () => this.#onClose());
    ws.on('error', (err) => this.log(`${name}: websocket error: ${err.message}`));
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    let messages: FrontendMessage[];
    try {
      messages = this.#framer.push(chunk);
    } catch (err) {
      this.#fail('08P01', `relay: ${(err as Error).message}`);
      return;
    }
    for (const m of messages) {
      if (m.phase === 'regular') {
        this.#queue.push(m);
        continue;
      }
      switch (m.kind) {
        case 'ssl':
        case 'gssenc':
          // No TLS inside the tunnel (the driver's default forceDisablePgSSL=true never asks anyway).
          this.#send(sslRefused());
          break;
        case 'cancel':
          // PGlite runs each statement synchronously, so there is never anything to cancel; a real server
          // also just hangs up after a CancelRequest.
          this.ws.close(1000);
          return;
        case 'startup': {
          this.#send(this.#startupReply(parseStartupParams(m.bytes)));
          this.#framer.enterRegularPhase();
          // Anything pipelined behind the startup packet (password, first query) is now framed as regular.
          let rest: FrontendMessage[];
          try {
            rest = this.#framer.drain();
          } catch (err) {
            this.#fail('08P01', `relay: ${(err as Error).message}`);
            return;
          }
          for (const r of rest) if (r.phase === 'regular') this.#queue.push(r);
          break;
        }
        default:
          this.#fail('08P01', `relay: unsupported frontend protocol ${m.code >>> 16}.${m.code & 0xffff}`);
          return;
      }
    }
    void this.#pump();
  }

  #startupReply(params: Map<string, string>): Buffer {
    const key = this.engine.nextBackendKey();
    const parts: Buffer[] = [authenticationOk()];
    for (const [k, v] of this.engine.sessionParameters) {
      // Echo the client's application_name (as a server would) without changing the shared session.
      const value = k === 'application_name' ? (params.get('application_name') ?? v) : v;
      parts.push(parameterStatus(k, value));
    }
    parts.push(backendKeyData(key.pid, key.secret), readyForQuery('I'));
    return Buffer.concat(parts);
  }

  /** Drains the queue in batches; one batch = everything queued, so pipelined messages go in one call. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.#closed && this.#queue.length > 0) {
        const batch: Buffer[] = [];
        let terminate = false;
        while (this.#queue.length > 0) {
          const m = this.#queue.shift()!;
          // A password the client pipelined behind the startup packet (pipelineConnect: 'password'):
          // we already answered AuthenticationOk, so it must not reach PGlite.
          if (m.type === 'p') continue;
          if (m.type === 'X') {
            terminate = true;
            break;
          }
          batch.push(this.#names.rewrite(m.type, m.bytes));
        }
        if (batch.length > 0) {
          this.#lease ??= await this.engine.acquire(this.name);
          if (this.#closed) break;
          const out = await this.#lease.exec(batch.length === 1 ? batch[0]! : Buffer.concat(batch));
          if (out.length > 0) this.#send(out);
          if (this.#lease.idle) {
            const lease = this.#lease;
            this.#lease = undefined;
            await this.engine.release(lease);
          }
        }
        if (terminate) {
          // The driver waits for the server to hang up after Terminate; do it, or its end() never settles.
          this.#closed = true;
          this.ws.close(1000);
          break;
        }
      }
    } catch (err) {
      this.log(`${this.name}: ${(err as Error).message}`);
      // 55P03 lock_not_available: waited too long for another client's transaction.
      this.#fail(err instanceof LockTimeoutError ? '55P03' : 'XX000', `relay: ${(err as Error).message}`);
    } finally {
      this.#pumping = false;
      if (this.#closed) await this.#cleanup();
    }
  }

  #send(data: Buffer): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(data, { binary: true });
  }

  /** Reports a fatal error to the client in protocol form, then hangs up. */
  #fail(code: string, msg: string): void {
    this.#send(errorResponse(code, msg, 'FATAL'));
    this.#closed = true;
    this.ws.close(1011);
    if (!this.#pumping) void this.#cleanup();
  }

  #onClose(): void {
    this.#closed = true;
    // If a batch is in flight, #pump's finally block cleans up once PGlite returns.
    if (!this.#pumping) void this.#cleanup();
  }

  async #cleanup(): Promise<void> {
    if (this.#cleanedUp) return;
    this.#cleanedUp = true;
    this.#queue.length = 0;
    const lease = this.#lease;
    this.#lease = undefined;
    // A client that disconnects mid-transaction must not leave PGlite inside it: release() rolls back.
    if (lease) await this.engine.release(lease);
    // Its named prepared statements die with it, as they would with a real session.
    const closeStatements = this.#names.closeAll();
    if (closeStatements) {
      try {
        const l = await this.engine.acquire(`${this.name} (closing statements)`);
        try {
          await l.exec(closeStatements);
        } finally {
          await this.engine.release(l);
        }
      } catch (err) {
        this.log(`${this.name}: closing prepared statements failed: ${(err as Error).message}`);
      }
    }
    this.#resolveDone();
  }
}
