import { z } from 'zod';
import { type AlertRule, AlertSeverity } from '#shared/schemas/alerts';

const RuleConfig = z.object({
  /** The value at or above which the condition holds (a ratio, milliseconds or a count: docs/operations.md). */
  threshold: z.number().min(0),
  /** How long the condition must hold before the alert fires (pending until then); 0 fires at once. */
  forMinutes: z.number().int().min(0).max(1440),
  severity: AlertSeverity,
  /** Route rules only: fewer requests in the window than this are not judged. */
  minRequests: z.number().int().min(0).optional(),
});
export type RuleConfig = z.infer<typeof RuleConfig>;

export const DEFAULT_ALERT_CONFIG = {
  /** The window the rates, p95s, lags and counts are computed over. */
  windowMinutes: 5,
  rules: {
    route_error_rate: { threshold: 0.05, forMinutes: 2, severity: 'critical', minRequests: 20 },
    route_p95: { threshold: 1500, forMinutes: 5, severity: 'warning', minRequests: 20 },
    vote_update_p95: { threshold: 1000, forMinutes: 3, severity: 'error' },
    queue_lag: { threshold: 60_000, forMinutes: 3, severity: 'error' },
    dead_letters: { threshold: 1, forMinutes: 0, severity: 'error' },
    circuit_open: { threshold: 1, forMinutes: 0, severity: 'critical' },
    postgres_unreachable: { threshold: 1, forMinutes: 1, severity: 'critical' },
    anomalies_flagged: { threshold: 1, forMinutes: 0, severity: 'warning' },
  } satisfies Record<AlertRule, RuleConfig>,
};
export type AlertConfig = { windowMinutes: number; rules: Record<AlertRule, RuleConfig> };

const Overrides = z.object({
  windowMinutes: z.number().int().min(1).max(60).optional(),
  rules: z.partialRecord(z.string(), RuleConfig.partial()).optional(),
});

/**
 * The defaults above with the `ALERT_RULES` variable's overrides (JSON, e.g.
 * `{"rules":{"queue_lag":{"threshold":30000,"forMinutes":2}}}`). A malformed value is reported and ignored, so a
 * typo cannot switch alerting off.
 */
export function alertConfig(raw: string | undefined): { config: AlertConfig; error?: string } {
  const config: AlertConfig = structuredClone(DEFAULT_ALERT_CONFIG);
  if (!raw?.trim()) return { config };
  let parsed: z.infer<typeof Overrides>;
  try {
    parsed = Overrides.parse(JSON.parse(raw));
  } catch (err) {
    return { config, error: `ALERT_RULES ignored: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (parsed.windowMinutes) config.windowMinutes = parsed.windowMinutes;
  for (const [rule, override] of Object.entries(parsed.rules ?? {})) {
    if (rule in config.rules && override) {
      const key = rule as AlertRule;
      config.rules[key] = { ...config.rules[key], ...override } as RuleConfig;
    }
  }
  return { config };
}
