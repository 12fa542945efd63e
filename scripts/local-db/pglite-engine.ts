/**
 * Owns the embedded PGlite instance and hands out exclusive "leases" on it.
 *
 * PGlite is a single Postgres backend with one session. To let many relay clients share it without their
 * statements interleaving (the bug that makes @electric-sql/pglite-socket return wrong rows), a client
 * holds a lease from its first message until PGlite reports ReadyForQuery 'I' again, i.e. for a whole simple
 * query, a whole extended-protocol Sync cycle, or a whole BEGIN..COMMIT transaction.
 */
import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { type Extension, PGlite } from '@electric-sql/pglite';
import { FifoLock, LockTimeoutError } from './fifo-lock.js';
import { parseMessage, queryMessage, syncMessage, type TxStatus, trailingReadyStatus } from './protocol.js';

/** A lease request that waits longer than this fails: in practice it means a deadlock in the caller's code
 * (e.g. awaiting a second connection while the first holds a transaction open), which would otherwise hang. */
export const LOCK_WAIT_TIMEOUT_MS = 30_000;
/** Log once when a lease is held this long while others wait (helps spot forgotten open transactions). */
const LONG_HOLD_WARN_MS = 5_000;

/** The ParameterStatus values a real server reports at startup (GUC_REPORT parameters), in reply order. */
const REPORTED_PARAMETERS = [
  'in_hot_standby',
  'integer_datetimes',
  'TimeZone',
  'IntervalStyle',
  'search_path',
  'is_superuser',
  'application_name',
  'default_transaction_read_only',
  'scram_iterations',
  'DateStyle',
  'standard_conforming_strings',
  'session_authorization',
  'client_encoding',
  'server_version',
  'server_encoding',
] as const;

/** contrib extensions we try to make loadable (CREATE EXTENSION still has to be run by migrations). */
const WANTED_EXTENSIONS: Readonly<Record<string, () => Promise<Extension>>> = {
  pg_trgm: async () => (await import('@electric-sql/pglite/contrib/pg_trgm')).pg_trgm,
  unaccent: async () => (await import('@electric-sql/pglite/contrib/unaccent')).unaccent,
};

export interface PgliteEngineOptions {
  dataDir?: string;
  /** A tarball from `pglite.dumpDataDir()` to start from (the data directory must be empty). */
  loadDataDir?: Blob;
  log: (line: string) => void;
}

export class PgliteLease {
  /** Transaction status after the last ReadyForQuery PGlite produced for this lease. */
  status: TxStatus = 'I';
  /** True when PGlite's last output did not end with ReadyForQuery (an extended cycle awaits its Sync,
   * an error awaits Sync, or COPY is in progress). */
  midCycle = false;
  released = false;
  readonly acquiredAt = performance.now();

  constructor(
    readonly id: number,
    readonly owner: string,
    readonly engine: PgliteEngine,
    readonly releaseHandles: () => void,
  ) {}

  /** Idle = PGlite is between units of work, so another client may take over. */
  get idle(): boolean {
    return this.status === 'I' && !this.midCycle;
  }

  /** Feeds whole frontend messages to PGlite and returns its raw backend output. */
  async exec(bytes: Uint8Array): Promise<Buffer> {
    if (this.released) throw new Error(`lease #${this.id} used after release`);
    const raw = await this.engine.pglite.execProtocolRaw(bytes);
    const out = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    if (out.length > 0) {
      const { status, endsWithReady } = trailingReadyStatus(out);
      if (status !== null) this.status = status;
      this.midCycle = !endsWithReady;
    }
    return out;
  }
}

export class PgliteEngine {
  readonly #lock = new FifoLock();
  readonly #log: (line: string) => void;
  #nextLeaseId = 1;
  #nextBackendPid = 1000;
  #current: PgliteLease | undefined;

  private constructor(
    readonly pglite: PGlite,
    /** ParameterStatus pairs sent to every new relay connection. */
    readonly sessionParameters: ReadonlyArray<readonly [string, string]>,
    /** contrib extensions that PGlite can CREATE EXTENSION. */
    readonly availableExtensions: readonly string[],
    log: (line: string) => void,
  ) {
    this.#log = log;
  }

  static async open(opts: PgliteEngineOptions): Promise<PgliteEngine> {
    const started = performance.now();
    const extensions: Record<string, Extension> = {};
    for (const [name, load] of Object.entries(WANTED_EXTENSIONS)) {
      try {
        extensions[name] = await load();
      } catch (err) {
        opts.log(`pglite: extension ${name} is not shipped with this PGlite build (${String(err)})`);
      }
    }

    let dataDir: string | undefined;
    if (opts.dataDir !== undefined) {
      dataDir = resolvePath(opts.dataDir);
      // PGlite's NodeFS only creates the last path segment; create parents too.
      mkdirSync(dataDir, { recursive: true });
    }
    const pglite = new PGlite({
      ...(dataDir !== undefined ? { dataDir } : {}),
      ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
      extensions,
    });
    await pglite.waitReady;

    // Ask PGlite for the values of the reported parameters instead of running a startup packet through
    // it per connection: the session is shared, so there is nothing per-connection to negotiate.
    const selects = REPORTED_PARAMETERS.map((p, i) => `current_setting('${p}', true) AS p${i}`).join(', ');
    const settings = await pglite.query<unknown[]>(`SELECT ${selects}`, [], { rowMode: 'array' });
    const row = settings.rows[0] ?? [];
    const sessionParameters: [string, string][] = [];
    REPORTED_PARAMETERS.forEach((name, i) => {
      const value = row[i];
      if (typeof value === 'string') sessionParameters.push([name, value]);
    });

    const wanted = Object.keys(extensions);
    const avail = await pglite.query<{ name: string }>(
      'SELECT name FROM pg_available_extensions WHERE name = ANY($1::text[]) ORDER BY name',
      [wanted],
    );
    const availableExtensions = avail.rows.map((r) => r.name);
    opts.log(
      `pglite: ready in ${Math.round(performance.now() - started)} ms (${dataDir ?? 'in-memory'}); ` +
        `loadable extensions: ${availableExtensions.join(', ') || 'none'}`,
    );
    return new PgliteEngine(pglite, sessionParameters, availableExtensions, opts.log);
  }

  /** Distinct BackendKeyData per connection (cancel requests are not supported, but clients want one). */
  nextBackendKey(): { pid: number; secret: number } {
    return { pid: this.#nextBackendPid++, secret: (Math.random() * 0x7fffffff) | 0 };
  }

  /**
   * Waits (FIFO) for exclusive use of PGlite. Also enters PGlite's own query/transaction mutexes, so that
   * in-process `pglite.query()` calls (migrations, seeds) cannot run in the middle of a relay client's
   * transaction, and vice versa.
   */
  async acquire(owner: string): Promise<PgliteLease> {
    let releaseFifo: () => void;
    try {
      releaseFifo = await this.#lock.acquire(LOCK_WAIT_TIMEOUT_MS);
    } catch (err) {
      const holder = this.#current;
      const detail = holder
        ? `; held by ${holder.owner} for ${Math.round(performance.now() - holder.acquiredAt)} ms ` +
          `(status ${holder.status}${holder.midCycle ? ', mid-cycle' : ''}) - an open transaction awaiting another query?`
        : '';
      throw new LockTimeoutError(`${(err as Error).message}${detail}`);
    }

    let releasePg: () => void = () => {};
    const hold = new Promise<void>((r) => {
      releasePg = r;
    });
    try {
      await new Promise<void>((entered, failed) => {
        this.pglite
          ._runExclusiveTransaction(() =>
            this.pglite._runExclusiveQuery(async () => {
              entered();
              await hold;
            }),
          )
          .catch(failed);
      });
    } catch (err) {
      releaseFifo();
      throw err;
    }

    let warn: NodeJS.Timeout | undefined;
    const lease = new PgliteLease(this.#nextLeaseId++, owner, this, () => {
      if (warn) clearTimeout(warn);
      releasePg();
      releaseFifo();
    });
    this.#current = lease;
    warn = setTimeout(() => {
      if (!lease.released && this.#lock.waiting > 0) {
        this.#log(
          `pglite: ${owner} has held the database for ${LONG_HOLD_WARN_MS} ms ` +
            `(status ${lease.status}); ${this.#lock.waiting} waiting`,
        );
      }
    }, LONG_HOLD_WARN_MS);
    warn.unref();
    return lease;
  }

  /**
   * Returns the lease. If its owner left PGlite mid-cycle or inside a transaction (client disconnected,
   * HTTP batch failed), first abort that work so the next owner starts from a clean, idle session.
   */
  async release(lease: PgliteLease): Promise<void> {
    if (lease.released) return;
    try {
      if (lease.midCycle) {
        // An unfinished extended cycle (Execute without Sync) would be committed by a plain Sync. Force an
        // error first (a Parse that cannot parse), which aborts the implicit transaction, then Sync.
        await lease.exec(Buffer.concat([parseMessage('', 'relay_abort_unfinished_cycle'), syncMessage()]));
      }
      if (lease.status !== 'I') {
        await lease.exec(queryMessage('ROLLBACK'));
      }
      if (!lease.idle) {
        this.#log(`pglite: could not return session to idle after ${lease.owner} (status ${lease.status})`);
      }
    } catch (err) {
      this.#log(`pglite: cleanup after ${lease.owner} failed: ${String(err)}`);
    } finally {
      lease.released = true;
      if (this.#current === lease) this.#current = undefined;
      lease.releaseHandles();
    }
  }

  async close(): Promise<void> {
    await this.pglite.close();
  }
}
