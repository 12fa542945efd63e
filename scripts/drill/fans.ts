/**
 * Fans voting and taking votes back, over WebSocket or HTTP, each keeping a ledger of what the room
 * acknowledged. An operation whose answer never came (socket dropped, workers killed, a 5xx) is repeated
 * as it was — the same vote id — until the room answers, so every ledger entry is a known, acked state.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

export interface Ledger {
  /** Per setlist song: the vote id of the fan's acked active vote, or null after an acked retraction. */
  state: Map<string, string | null>;
}

export interface FanStats {
  votesAcked: number;
  unvotesAcked: number;
  retries: number;
  reconnects: number;
  refused: Map<string, number>;
}

type Op = { kind: 'vote'; setlistSongId: string; voteId: string } | { kind: 'unvote'; setlistSongId: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Fan {
  readonly ledger: Ledger = { state: new Map() };
  #ws: WebSocket | undefined;
  #seq = -1;
  #pending = new Map<string, (ack: { ok: boolean; error?: { code: string } }) => void>();
  #stopped = false;

  constructor(
    readonly base: string,
    readonly token: string,
    readonly showId: string,
    readonly songs: readonly string[],
    readonly transport: 'ws' | 'http',
    readonly stats: FanStats,
  ) {}

  /** Votes and retracts at random for as long as `running()` says, one acked operation at a time. */
  async run(running: () => boolean, pauseMs: number): Promise<void> {
    while (running()) {
      const setlistSongId = this.songs[Math.floor(Math.random() * this.songs.length)]!;
      const op: Op = this.ledger.state.get(setlistSongId)
        ? { kind: 'unvote', setlistSongId }
        : { kind: 'vote', setlistSongId, voteId: randomUUID() };
      await this.#untilAcked(op);
      await sleep(pauseMs * (0.5 + Math.random()));
    }
    this.#stopped = true;
    this.#ws?.close();
  }

  async #untilAcked(op: Op): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (attempt) {
        this.stats.retries++;
        await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
      }
      const outcome = this.transport === 'ws' ? await this.#overSocket(op) : await this.#overHttp(op);
      if (outcome === 'retry') continue;
      if (outcome === 'ok') {
        if (op.kind === 'vote') {
          this.ledger.state.set(op.setlistSongId, op.voteId);
          this.stats.votesAcked++;
        } else {
          this.ledger.state.set(op.setlistSongId, null);
          this.stats.unvotesAcked++;
        }
      } else this.stats.refused.set(outcome, (this.stats.refused.get(outcome) ?? 0) + 1);
      return;
    }
  }

  /** 'ok', 'retry' (no definite answer), or the error code of a definite refusal. */
  async #overHttp(op: Op): Promise<string> {
    try {
      const headers = { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' };
      const res =
        op.kind === 'vote'
          ? await fetch(`${this.base}/v1/shows/${this.showId}/votes`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ setlistSongId: op.setlistSongId, voteId: op.voteId }),
              signal: AbortSignal.timeout(15_000),
            })
          : await fetch(`${this.base}/v1/shows/${this.showId}/votes/${op.setlistSongId}`, {
              method: 'DELETE',
              headers,
              signal: AbortSignal.timeout(15_000),
            });
      if (res.ok) {
        await res.arrayBuffer();
        return 'ok';
      }
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
      if (res.status >= 500 || res.status === 429) return 'retry';
      return body.error?.code ?? `http_${res.status}`;
    } catch {
      return 'retry';
    }
  }

  async #overSocket(op: Op): Promise<string> {
    const ws = await this.#socket();
    if (!ws) return 'retry';
    const id = op.kind === 'vote' ? op.voteId : randomUUID();
    const ack = new Promise<{ ok: boolean; error?: { code: string } } | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(undefined);
      }, 15_000);
      this.#pending.set(id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
    });
    try {
      ws.send(JSON.stringify({ type: op.kind, id, setlistSongId: op.setlistSongId }));
    } catch {
      this.#pending.delete(id);
      return 'retry';
    }
    const answer = await ack;
    if (!answer) return 'retry';
    if (answer.ok) return 'ok';
    if (answer.error?.code === 'rate_limited' || answer.error?.code === 'disconnected') return 'retry';
    return answer.error?.code ?? 'unknown';
  }

  /** The open socket, connecting (and resuming from the last seq) when there is none. */
  async #socket(): Promise<WebSocket | undefined> {
    if (this.#ws && this.#ws.readyState === WebSocket.OPEN) return this.#ws;
    if (this.#stopped) return undefined;
    const url = new URL(`${this.base.replace('http', 'ws')}/v1/shows/${this.showId}/live`);
    url.searchParams.set('token', this.token);
    if (this.#seq >= 0) url.searchParams.set('since', String(this.#seq));
    const ws = new WebSocket(url);
    const opened = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(true);
      });
      ws.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!opened) {
      ws.terminate();
      return undefined;
    }
    if (this.#ws) this.stats.reconnects++;
    this.#ws = ws;
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as {
        type: string;
        seq?: number;
        ref?: string | null;
        ok?: boolean;
        error?: { code: string };
      };
      if (typeof msg.seq === 'number') this.#seq = msg.seq;
      if (msg.type === 'ack' && msg.ref) {
        const done = this.#pending.get(msg.ref);
        this.#pending.delete(msg.ref);
        done?.({ ok: msg.ok === true, ...(msg.error ? { error: msg.error } : {}) });
      }
    });
    ws.on('close', () => {
      // Pending operations get no answer now: they time out and are repeated.
      for (const [ref, done] of this.#pending) {
        this.#pending.delete(ref);
        done({ ok: false, error: { code: 'disconnected' } });
      }
    });
    ws.on('error', () => {});
    return ws;
  }
}
