import { ROOM_PRESENCE_KIND } from '#shared/schemas/analytics';
import type { AnalyticsEvent } from '#shared/schemas/events';

/** A changed socket count is reported at most this often. */
export const PRESENCE_MIN_GAP_MS = 5_000;

/**
 * When a room reports its socket count to the ANALYTICS queue (the "active rooms and sockets" figure of
 * GET /v1/admin/metrics): every `intervalMs` while it has sockets (a heartbeat, so a quiet room does not look
 * gone), soon after the count changes (at most every PRESENCE_MIN_GAP_MS), and once more when it drops to 0.
 * State is per instance: after hibernation the first alarm reports again, which is harmless.
 */
export class PresenceReporter {
  #sockets = -1;
  #at = 0;

  constructor(private readonly intervalMs: number) {}

  /** When the next report is due for this count, or undefined when none is needed. */
  dueAt(sockets: number): number | undefined {
    if (sockets === this.#sockets) return sockets > 0 ? this.#at + this.intervalMs : undefined;
    return this.#at + PRESENCE_MIN_GAP_MS;
  }

  reported(sockets: number, at: number): void {
    this.#sockets = sockets;
    this.#at = at;
  }
}

export function presenceEvent(showId: string, sockets: number, at: number, voteUpdateP95Ms?: number): AnalyticsEvent {
  return {
    v: 1,
    eventId: crypto.randomUUID(),
    kind: ROOM_PRESENCE_KIND,
    at: new Date(at).toISOString(),
    showId,
    data: { sockets, ...(voteUpdateP95Ms === undefined ? {} : { voteUpdateP95Ms }) },
  };
}

/**
 * vote→update latency as the room sees it: from a vote's decision to the broadcast that carries it (the tick's
 * coalescing and the fan-out), kept as samples between two presence reports (at most MAX_SAMPLES; beyond that
 * the first ones stand for the period) and reported as their p95 for the vote→update alert.
 */
export class VoteUpdateLatency {
  static readonly MAX_SAMPLES = 4096;
  #pending: number[] = [];
  #samples: number[] = [];

  voted(at: number): void {
    if (this.#pending.length < VoteUpdateLatency.MAX_SAMPLES) this.#pending.push(at);
  }

  broadcast(at: number): void {
    for (const voted of this.#pending)
      if (this.#samples.length < VoteUpdateLatency.MAX_SAMPLES) this.#samples.push(at - voted);
    this.#pending = [];
  }

  /** The p95 since the last call (undefined without votes), and a fresh period. */
  takeP95(): number | undefined {
    if (!this.#samples.length) return undefined;
    const sorted = this.#samples.sort((a, b) => a - b);
    this.#samples = [];
    return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? 0);
  }
}
