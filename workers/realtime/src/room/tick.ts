/**
 * The room's coalescing tick. It grows with the room (`usPerSocket` per socket) so that fan-out stays a
 * bounded share of the room's single thread, and never drops below `minMs`.
 *
 * Whole milliseconds, rounded up: alarms fire on, and `Date.now()` reads, whole milliseconds. A fractional
 * tick (1,500 sockets × 45 µs = 67.5 ms) gave a due time the clock never reached when the alarm fired, so
 * the room re-armed the same alarm forever and stopped broadcasting (bench:room --sockets 1500).
 */
export function roomTickMs(sockets: number, minMs: number, usPerSocket: number): number {
  return Math.max(minMs, Math.ceil((sockets * usPerSocket) / 1000));
}
