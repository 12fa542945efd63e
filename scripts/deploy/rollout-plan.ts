/**
 * The decisions of a gradual rollout, kept free of I/O so that they are unit-tested: which version gets which
 * share of traffic at each command, and whether the error rate seen while watching calls for a rollback.
 */

export interface Rollout {
  /** The api version serving before this rollout (the one a rollback returns to). */
  previousVersionId: string;
  /** The api version uploaded by `start`. */
  newVersionId: string;
  /** Share of api traffic the new version has now (0–100). */
  percent: number;
  startedAt: string;
  /** Share of 5xx answers over the watch window measured before the rollout started (0–1), if known. */
  baselineErrorRate: number | null;
}

/** `wrangler versions deploy` arguments that give the new version `percent` % and the previous one the rest. */
export function versionSpecs(rollout: Pick<Rollout, 'previousVersionId' | 'newVersionId'>, percent: number): string[] {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new Error(`a rollout percentage is a whole number from 0 to 100, not ${percent}`);
  }
  if (percent === 100) return [`${rollout.newVersionId}@100%`];
  if (percent === 0) return [`${rollout.previousVersionId}@100%`];
  return [`${rollout.newVersionId}@${percent}%`, `${rollout.previousVersionId}@${100 - percent}%`];
}

/** The version ids of a `wrangler deployments status --json` answer, largest share first. */
export function currentVersions(statusJson: unknown): { versionId: string; percentage: number }[] {
  const versions = (statusJson as { versions?: { version_id?: unknown; percentage?: unknown }[] } | null)?.versions;
  if (!Array.isArray(versions)) throw new Error('unexpected `wrangler deployments status --json` output');
  return versions
    .map((v) => ({ versionId: String(v.version_id), percentage: Number(v.percentage) }))
    .sort((a, b) => b.percentage - a.percentage);
}

/** The version id `wrangler versions upload` printed ("Worker Version ID: <uuid>"). */
export function uploadedVersionId(output: string): string {
  const match = /Worker Version ID:\s*([0-9a-f-]{36})/i.exec(output);
  if (!match?.[1]) throw new Error('`wrangler versions upload` printed no version id');
  return match[1];
}

export interface RouteErrors {
  requests: number;
  errorRate: number;
}

/** Share of 5xx answers over every route of GET /v1/admin/metrics, weighted by requests. */
export function overallErrorRate(routes: RouteErrors[]): { requests: number; errorRate: number } {
  const requests = routes.reduce((n, r) => n + r.requests, 0);
  const errors = routes.reduce((n, r) => n + r.requests * r.errorRate, 0);
  return { requests, errorRate: requests ? errors / requests : 0 };
}

export interface WatchThresholds {
  /** Roll back above this share of 5xx answers (0–1). */
  maxErrorRate: number;
  /** …or above the pre-rollout error rate plus this much. */
  maxIncrease: number;
  /** Fewer requests than this in a window say nothing either way. */
  minRequests: number;
}

export type WatchVerdict =
  | { verdict: 'healthy'; errorRate: number; requests: number }
  | { verdict: 'too_little_traffic'; errorRate: number; requests: number }
  | { verdict: 'rollback'; errorRate: number; requests: number; reason: string };

/** Whether one watch window of the rollout is healthy. */
export function judgeWindow(
  window: { requests: number; errorRate: number },
  baselineErrorRate: number | null,
  thresholds: WatchThresholds,
): WatchVerdict {
  const { requests, errorRate } = window;
  if (requests < thresholds.minRequests) return { verdict: 'too_little_traffic', errorRate, requests };
  if (errorRate > thresholds.maxErrorRate) {
    return {
      verdict: 'rollback',
      errorRate,
      requests,
      reason: `5xx share ${pct(errorRate)} is above the limit of ${pct(thresholds.maxErrorRate)}`,
    };
  }
  if (baselineErrorRate !== null && errorRate > baselineErrorRate + thresholds.maxIncrease) {
    return {
      verdict: 'rollback',
      errorRate,
      requests,
      reason: `5xx share ${pct(errorRate)} is more than ${pct(thresholds.maxIncrease)} above the ${pct(baselineErrorRate)} before the rollout`,
    };
  }
  return { verdict: 'healthy', errorRate, requests };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}
