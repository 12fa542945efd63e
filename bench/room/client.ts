/**
 * Decoding the room's server messages cheaply. With 2,000 sockets the harness receives tens of
 * thousands of `update`s per second, and it shares 2 cores with the server it measures, so every
 * microsecond it spends is taken from the server. Every socket receives the *same* body for a given
 * update `seq` (the room serialises it once and broadcasts it), so an update is parsed once and the
 * other 1,999 copies are recognised by their `seq` prefix and length.
 */
export interface DecodedUpdate {
  seq: number;
  /** When the first socket received this update (for the broadcast spread). */
  firstAt: number;
  /** Flat [songIndex, votes, songIndex, votes, …] for songs the harness knows. */
  changes: Int32Array;
  /** Changes for songs unknown to the harness (e.g. added during the run). */
  unknown: number;
}

const PREFIX = Buffer.from('{"type":"update","seq":');

/** The seq of an update frame, read from its first bytes without decoding it; -1 if not that shape. */
function updateSeq(buf: Buffer): number {
  if (buf.length < PREFIX.length + 2 || buf.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0) return -1;
  let seq = 0;
  let i = PREFIX.length;
  for (; i < buf.length; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    seq = seq * 10 + d;
  }
  return i === PREFIX.length || buf[i] !== 44 /* , */ ? -1 : seq;
}

export class UpdateDecoder {
  readonly #cache = new Map<number, { length: number; update: DecodedUpdate }>();
  /** Full JSON parses done (one per distinct update, plus every non-update message). */
  parses = 0;

  constructor(private readonly songIndex: ReadonlyMap<string, number>) {}

  /** A cached update when the frame is an update we've parsed before; else undefined. */
  cached(buf: Buffer): DecodedUpdate | undefined {
    const seq = updateSeq(buf);
    if (seq < 0) return undefined;
    const hit = this.#cache.get(seq);
    return hit && hit.length === buf.length ? hit.update : undefined;
  }

  parse(buf: Buffer): unknown {
    this.parses++;
    return JSON.parse(buf.toString('utf8')) as unknown;
  }

  /** Decodes a parsed `update` message and remembers it under its seq for the other sockets. */
  remember(
    msg: {
      seq: number;
      changes?: { setlistSongId: string; votes: number }[];
      added?: { setlistSongId: string; votes: number }[];
    },
    length: number,
    now: number,
  ): DecodedUpdate {
    const flat: number[] = [];
    let unknown = 0;
    for (const c of [...(msg.changes ?? []), ...(msg.added ?? [])]) {
      const idx = this.songIndex.get(c.setlistSongId);
      if (idx === undefined) unknown++;
      else flat.push(idx, c.votes);
    }
    const update: DecodedUpdate = { seq: msg.seq, firstAt: now, changes: Int32Array.from(flat), unknown };
    this.#cache.set(msg.seq, { length, update });
    // Every socket gets an update within moments of the others; old seqs are never asked for again.
    if (this.#cache.size > 4000) {
      let drop = 1000;
      for (const key of this.#cache.keys()) {
        this.#cache.delete(key);
        if (--drop === 0) break;
      }
    }
    return update;
  }
}
