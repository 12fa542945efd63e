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

export function presenceEvent(showId: string, sockets: number, at: number): AnalyticsEvent {
  return {
    v: 1,
    eventId: crypto.randomUUID(),
    kind: ROOM_PRESENCE_KIND,
    at: new Date(at).toISOString(),
    showId,
    data: { sockets },
  };
}
