/**
 * Per-connection namespacing of named prepared statements and portals for the shared PGlite session.
 *
 * On a real server every connection has its own session, so two connections may both prepare a statement
 * called "getUser" (node-postgres does this for `{ name }` queries, e.g. drizzle's `.prepare('getUser')`).
 * PGlite has ONE session, so the second Parse would fail with 42P05 "prepared statement already exists"
 * and a Close from one client would remove another's statement. We therefore prefix non-empty statement
 * and portal names with a per-connection prefix in Parse/Bind/Describe/Close/Execute, and close the
 * connection's statements when it goes away. The unnamed statement/portal needs no rewriting: it only lives
 * within one Sync cycle, which runs under the exclusive lease.
 */
import { message } from './protocol.js';

export class StatementNamespace {
  /** Rewritten (prefixed) names of statements this connection has parsed and not closed. */
  readonly #statements = new Set<string>();

  constructor(private readonly prefix: string) {}

  /** Returns the message with names rewritten, or the same buffer if it carries no names. */
  rewrite(type: string, bytes: Buffer): Buffer {
    switch (type) {
      case 'P': {
        // Parse: name\0 query\0 int16 nParams int32[nParams]
        const [name, end] = readCString(bytes, 5);
        if (name === '') return bytes;
        const prefixed = this.#name(name);
        this.#statements.add(prefixed);
        return rebuild(type, [prefixed], bytes.subarray(end));
      }
      case 'B': {
        // Bind: portal\0 statement\0 ...
        const [portal, pEnd] = readCString(bytes, 5);
        const [stmt, sEnd] = readCString(bytes, pEnd);
        if (portal === '' && stmt === '') return bytes;
        return rebuild(type, [this.#maybe(portal), this.#maybe(stmt)], bytes.subarray(sEnd));
      }
      case 'D':
      case 'C': {
        // Describe / Close: 'S' | 'P', name\0
        const kind = bytes.toString('latin1', 5, 6);
        const [name, end] = readCString(bytes, 6);
        if (name === '') return bytes;
        const prefixed = this.#name(name);
        if (type === 'C' && kind === 'S') this.#statements.delete(prefixed);
        return message(type, Buffer.from(kind, 'latin1'), cstring(prefixed), bytes.subarray(end));
      }
      case 'E': {
        // Execute: portal\0 int32 maxRows
        const [portal, end] = readCString(bytes, 5);
        if (portal === '') return bytes;
        return rebuild(type, [this.#name(portal)], bytes.subarray(end));
      }
      default:
        return bytes;
    }
  }

  /** Close messages (+ Sync) for every statement still open, or undefined if there are none. */
  closeAll(): Buffer | undefined {
    if (this.#statements.size === 0) return undefined;
    const parts = [...this.#statements].map((n) => message('C', Buffer.from('S'), cstring(n)));
    this.#statements.clear();
    return Buffer.concat([...parts, message('S')]);
  }

  #name(name: string): string {
    return `${this.prefix}${name}`;
  }

  #maybe(name: string): string {
    return name === '' ? '' : this.#name(name);
  }
}

function readCString(buf: Buffer, off: number): [string, number] {
  const end = buf.indexOf(0, off);
  if (end < 0) throw new Error('malformed frontend message (unterminated string)');
  return [buf.toString('utf8', off, end), end + 1];
}

function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

function rebuild(type: string, names: string[], rest: Buffer): Buffer {
  return message(type, ...names.map(cstring), rest);
}
