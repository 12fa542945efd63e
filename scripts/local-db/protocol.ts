/**
 * Postgres wire protocol (v3) helpers: just enough framing, building and parsing for the relay.
 *
 * Reference: https://www.postgresql.org/docs/current/protocol-message-formats.html
 * Every message after the startup phase is `type byte + int32 length (incl. itself) + body`;
 * startup-phase messages (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest) have no type byte.
 */

/** Request codes that share the startup-message framing (int32 length + int32 code). */
export const PROTOCOL_V3 = 196608; // 3.0
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

/** Anything larger is treated as garbage rather than buffered (Postgres itself caps messages at 1 GB). */
const MAX_MESSAGE_LENGTH = 1 << 30;

export type StartupKind = 'startup' | 'ssl' | 'gssenc' | 'cancel' | 'unknown';

export type FrontendMessage =
  /** A startup-phase packet; `code` is the protocol version or request code. */
  | { phase: 'startup'; kind: StartupKind; code: number; bytes: Buffer }
  /** A regular typed message; `type` is its one-character tag (e.g. 'Q', 'P', 'S', 'X', 'p'). */
  | { phase: 'regular'; type: string; bytes: Buffer };

export class ProtocolError extends Error {}

/**
 * Splits a client byte stream into whole messages. WebSocket frames carry arbitrary slices of the stream
 * (the driver coalesces several messages into one frame, and a large message could in theory be split),
 * so we must buffer and cut on the length prefixes ourselves.
 */
export class FrontendFramer {
  #buf: Buffer = Buffer.alloc(0);
  /** Starts in startup mode; the caller switches once the StartupMessage has been handled. */
  #startupPhase = true;

  /** After the StartupMessage every message carries a type byte. */
  enterRegularPhase(): void {
    this.#startupPhase = false;
  }

  get inStartupPhase(): boolean {
    return this.#startupPhase;
  }

  /**
   * Appends a chunk and returns every complete message now available. Throws ProtocolError on a malformed
   * length. Note: SSLRequest/StartupMessage are only ever sent one after another with a reply in between,
   * so returning them in one batch and letting the caller switch phase afterwards would be wrong only for a
   * client that pipelines *past* the startup packet; `push` therefore stops after a StartupMessage and
   * keeps the rest buffered until `enterRegularPhase()` + `drain()`.
   */
  push(chunk: Uint8Array): FrontendMessage[] {
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk]);
    return this.drain();
  }

  /** Returns the complete messages currently buffered (see `push`). */
  drain(): FrontendMessage[] {
    const out: FrontendMessage[] = [];
    let off = 0;
    const buf = this.#buf;
    while (true) {
      if (this.#startupPhase) {
        if (buf.length - off < 8) break;
        const len = buf.readInt32BE(off);
        if (len < 8 || len > MAX_MESSAGE_LENGTH) throw new ProtocolError(`invalid startup packet length ${len}`);
        if (buf.length - off < len) break;
        const code = buf.readInt32BE(off + 4);
        const bytes = buf.subarray(off, off + len);
        off += len;
        const kind = startupKind(code);
        out.push({ phase: 'startup', kind, code, bytes });
        // Stop here: the caller must decide whether the next bytes are startup-phase or regular.
        if (kind === 'startup') break;
      } else {
        if (buf.length - off < 5) break;
        const len = buf.readInt32BE(off + 1);
        if (len < 4 || len > MAX_MESSAGE_LENGTH) throw new ProtocolError(`invalid message length ${len}`);
        if (buf.length - off < len + 1) break;
        const type = String.fromCharCode(buf[off]!);
        out.push({ phase: 'regular', type, bytes: buf.subarray(off, off + 1 + len) });
        off += 1 + len;
      }
    }
    // Keep only the unconsumed tail (copy so the consumed prefix can be garbage collected).
    this.#buf = off === 0 ? buf : Buffer.from(buf.subarray(off));
    return out;
  }
}

function startupKind(code: number): StartupKind {
  if (code === SSL_REQUEST_CODE) return 'ssl';
  if (code === GSSENC_REQUEST_CODE) return 'gssenc';
  if (code === CANCEL_REQUEST_CODE) return 'cancel';
  // Major version 3 (3.0 and the 3.2 minor version negotiated by newer libpq).
  if (code >>> 16 === 3) return 'startup';
  return 'unknown';
}

/** Reads the key/value parameters (user, database, application_name, ...) of a StartupMessage. */
export function parseStartupParams(bytes: Buffer): Map<string, string> {
  const params = new Map<string, string>();
  let off = 8;
  while (off < bytes.length) {
    const keyEnd = bytes.indexOf(0, off);
    if (keyEnd < 0 || keyEnd === off) break; // final terminating zero
    const valEnd = bytes.indexOf(0, keyEnd + 1);
    if (valEnd < 0) break;
    params.set(bytes.toString('utf8', off, keyEnd), bytes.toString('utf8', keyEnd + 1, valEnd));
    off = valEnd + 1;
  }
  return params;
}

export function buildStartupMessage(code: number, params: Map<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of params) parts.push(cstring(k), cstring(v));
  parts.push(Buffer.from([0]));
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(code, 4);
  return Buffer.concat([head, body]);
}

// ---------------------------------------------------------------------------------------------
// Message builders
// ---------------------------------------------------------------------------------------------

function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n, 0);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

/** Frames `body` as a typed message. */
export function message(type: string, ...body: Buffer[]): Buffer {
  const payload = Buffer.concat(body);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(payload.length + 4, 1);
  return Buffer.concat([head, payload]);
}

// Backend (server -> client)

export const authenticationOk = (): Buffer => message('R', int32(0));
export const parameterStatus = (name: string, value: string): Buffer => message('S', cstring(name), cstring(value));
export const backendKeyData = (pid: number, secret: number): Buffer => message('K', int32(pid), int32(secret));
export const readyForQuery = (status: TxStatus): Buffer => message('Z', Buffer.from(status, 'latin1'));
/** The single-byte answer to SSLRequest/GSSENCRequest meaning "not supported, continue in plaintext". */
export const sslRefused = (): Buffer => Buffer.from('N', 'latin1');

/** ErrorResponse with the minimal fields clients rely on (severity, SQLSTATE, message). */
export function errorResponse(code: string, msg: string, severity = 'FATAL'): Buffer {
  return message(
    'E',
    Buffer.from('S'),
    cstring(severity),
    Buffer.from('V'),
    cstring(severity),
    Buffer.from('C'),
    cstring(code),
    Buffer.from('M'),
    cstring(msg),
    Buffer.from([0]),
  );
}

// Frontend (client -> server), used by the relay itself to drive PGlite.

export const queryMessage = (sql: string): Buffer => message('Q', cstring(sql));
/** Parse with no parameter type OIDs: the server infers them, exactly like Neon's `query_raw_txt`. */
export const parseMessage = (statement: string, sql: string): Buffer =>
  message('P', cstring(statement), cstring(sql), int16(0));

/** Bind with all parameters in text format (format-code count 0) and all results in text (count 0). */
export function bindMessage(portal: string, statement: string, params: ReadonlyArray<string | null>): Buffer {
  const values: Buffer[] = [];
  for (const p of params) {
    if (p === null) {
      values.push(int32(-1));
    } else {
      const v = Buffer.from(p, 'utf8');
      values.push(int32(v.length), v);
    }
  }
  return message('B', cstring(portal), cstring(statement), int16(0), int16(params.length), ...values, int16(0));
}

export const describePortalMessage = (portal: string): Buffer => message('D', Buffer.from('P'), cstring(portal));
export const executeMessage = (portal: string, maxRows = 0): Buffer => message('E', cstring(portal), int32(maxRows));
export const syncMessage = (): Buffer => message('S');

// ---------------------------------------------------------------------------------------------
// Backend message parsing
// ---------------------------------------------------------------------------------------------

/** ReadyForQuery transaction status: Idle, in Transaction block, or in a failed transaction (Error). */
export type TxStatus = 'I' | 'T' | 'E';

export interface BackendMessage {
  type: string;
  /** Message body without the 5-byte header. */
  body: Buffer;
}

/** Iterates complete backend messages in a buffer that holds whole messages only (PGlite output). */
export function* backendMessages(data: Uint8Array): Generator<BackendMessage> {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let off = 0;
  while (off + 5 <= buf.length) {
    const len = buf.readInt32BE(off + 1);
    if (len < 4 || off + 1 + len > buf.length) throw new ProtocolError('truncated backend message');
    yield { type: String.fromCharCode(buf[off]!), body: buf.subarray(off + 5, off + 1 + len) };
    off += 1 + len;
  }
}

/**
 * Summarises where a chunk of backend output leaves the session: the status of the *last* ReadyForQuery,
 * and whether that ReadyForQuery is the final message (if anything follows it, e.g. ParseComplete of a
 * pipelined statement without Sync yet, the client is mid-cycle).
 */
export function trailingReadyStatus(data: Uint8Array): { status: TxStatus | null; endsWithReady: boolean } {
  let status: TxStatus | null = null;
  let endsWithReady = false;
  for (const m of backendMessages(data)) {
    if (m.type === 'Z') {
      status = m.body.toString('latin1', 0, 1) as TxStatus;
      endsWithReady = true;
    } else {
      endsWithReady = false;
    }
  }
  return { status, endsWithReady };
}

export interface FieldDescription {
  name: string;
  tableID: number;
  columnID: number;
  dataTypeID: number;
  dataTypeSize: number;
  dataTypeModifier: number;
  format: 'text' | 'binary';
}

export function parseRowDescription(body: Buffer): FieldDescription[] {
  const count = body.readInt16BE(0);
  const fields: FieldDescription[] = [];
  let off = 2;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, off);
    const name = body.toString('utf8', off, end);
    off = end + 1;
    fields.push({
      name,
      tableID: body.readUInt32BE(off),
      columnID: body.readInt16BE(off + 4),
      dataTypeID: body.readUInt32BE(off + 6),
      dataTypeSize: body.readInt16BE(off + 10),
      dataTypeModifier: body.readInt32BE(off + 12),
      format: body.readInt16BE(off + 16) === 0 ? 'text' : 'binary',
    });
    off += 18;
  }
  return fields;
}

/** DataRow in text format: each column is its Postgres text output, or null. */
export function parseDataRow(body: Buffer): (string | null)[] {
  const count = body.readInt16BE(0);
  const row: (string | null)[] = new Array<string | null>(count);
  let off = 2;
  for (let i = 0; i < count; i++) {
    const len = body.readInt32BE(off);
    off += 4;
    if (len < 0) {
      row[i] = null;
    } else {
      row[i] = body.toString('utf8', off, off + len);
      off += len;
    }
  }
  return row;
}

export function parseCString(body: Buffer): string {
  const end = body.indexOf(0);
  return body.toString('utf8', 0, end < 0 ? body.length : end);
}

/** Field codes of ErrorResponse/NoticeResponse mapped to the property names node-postgres and Neon use. */
const ERROR_FIELD_NAMES: Readonly<Record<string, keyof PgErrorFields>> = {
  S: 'severityLocal',
  V: 'severity',
  C: 'code',
  M: 'message',
  D: 'detail',
  H: 'hint',
  P: 'position',
  p: 'internalPosition',
  q: 'internalQuery',
  W: 'where',
  s: 'schema',
  t: 'table',
  c: 'column',
  d: 'dataType',
  n: 'constraint',
  F: 'file',
  L: 'line',
  R: 'routine',
};

export interface PgErrorFields {
  message: string;
  severity?: string;
  severityLocal?: string;
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
  internalPosition?: string;
  internalQuery?: string;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
  file?: string;
  line?: string;
  routine?: string;
}

export function parseErrorResponse(body: Buffer): PgErrorFields {
  const fields: PgErrorFields = { message: '' };
  let off = 0;
  while (off < body.length && body[off] !== 0) {
    const code = String.fromCharCode(body[off]!);
    const end = body.indexOf(0, off + 1);
    const value = body.toString('utf8', off + 1, end < 0 ? body.length : end);
    const name = ERROR_FIELD_NAMES[code];
    if (name) fields[name] = value;
    off = (end < 0 ? body.length : end) + 1;
  }
  // Servers older than 9.6 omit 'V'; fall back to the localized severity.
  if (fields.severity === undefined && fields.severityLocal !== undefined) fields.severity = fields.severityLocal;
  return fields;
}
