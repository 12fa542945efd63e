/**
 * The room's retry and reconciliation budgets, from its vars (wrangler.toml). Every one is configurable so that
 * a fault drill (npm run drill:faults) can compress minutes into seconds; the defaults are the production ones.
 */
import { positiveVar } from '#shared/env-vars';

export interface DurabilityConfig {
  /** A queue send that has not settled by then counts as refused (src/shared/settle-within.ts). */
  queueSendTimeoutMs: number;
  /** Backoff between failed outbox drains: base × 2^failures, capped. */
  drainBackoffBaseMs: number;
  drainBackoffMaxMs: number;
  /** How often sent events are checked against Postgres (room/reconcile.ts). */
  reconcileIntervalMs: number;
  /** A sent event still missing from Postgres this long after it was sent goes again (doubling per resend). */
  resendAfterMs: number;
  /** How often, at most, the room's counts are compared with Postgres' once everything is confirmed. */
  countCheckIntervalMs: number;
  /**
   * While finalisation waits for the room (settleVotes), a sent event still missing from Postgres this long after
   * it was sent goes again, instead of after `resendAfterMs`: the queue may have lost or dead-lettered it, and a
   * repeat is harmless (the consumer is idempotent), while a finalisation cannot wait minutes.
   */
  settleResendMs: number;
}

export type DurabilityVars = Partial<
  Record<
    | 'ROOM_QUEUE_SEND_TIMEOUT_MS'
    | 'ROOM_DRAIN_BACKOFF_BASE_MS'
    | 'ROOM_DRAIN_BACKOFF_MAX_MS'
    | 'ROOM_RECONCILE_SECONDS'
    | 'ROOM_RESEND_AFTER_SECONDS'
    | 'ROOM_COUNT_CHECK_SECONDS'
    | 'ROOM_SETTLE_RESEND_SECONDS',
    string
  >
>;

export function durabilityConfig(vars: DurabilityVars): DurabilityConfig {
  return {
    queueSendTimeoutMs: positiveVar(vars.ROOM_QUEUE_SEND_TIMEOUT_MS, 10_000),
    drainBackoffBaseMs: positiveVar(vars.ROOM_DRAIN_BACKOFF_BASE_MS, 250),
    drainBackoffMaxMs: positiveVar(vars.ROOM_DRAIN_BACKOFF_MAX_MS, 30_000),
    reconcileIntervalMs: positiveVar(vars.ROOM_RECONCILE_SECONDS, 60) * 1000,
    resendAfterMs: positiveVar(vars.ROOM_RESEND_AFTER_SECONDS, 300) * 1000,
    countCheckIntervalMs: positiveVar(vars.ROOM_COUNT_CHECK_SECONDS, 600) * 1000,
    settleResendMs: positiveVar(vars.ROOM_SETTLE_RESEND_SECONDS, 2) * 1000,
  };
}
