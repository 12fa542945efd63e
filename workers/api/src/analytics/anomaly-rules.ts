/**
 * Thresholds of the vote anomaly rules (docs/analytics.md, "Anomaly rules"). A flag is evidence for a moderator,
 * never an automatic sanction: discounting is a moderator's decision (POST /v1/admin/anomalies/{id}/discount).
 */
export const ANOMALY_RULES = {
  /** Every rule looks at the votes of the last WINDOW_MINUTES (the detector runs every minute). */
  windowMinutes: 5,
  /** Clusters are keyed by the 10-minute bucket of their first vote, so a run every minute updates one flag. */
  bucketMinutes: 10,
  /**
   * new_account_burst — per setlist song: at least `minVotes` votes in the window from accounts younger than
   * `maxAgeHours` at the time of their vote, making at least `minShare` of that song's votes in the window.
   */
  newAccountBurst: { maxAgeHours: 24, minVotes: 10, minShare: 0.5 },
  /**
   * shared_network — per show and network id: at least `minAccounts` distinct accounts voting from the one
   * network in the window. Fans at a venue share its Wi-Fi, so the evidence lists the accounts' ages and how many
   * songs they voted for, for the moderator to judge.
   */
  sharedNetwork: { minAccounts: 10 },
  /**
   * rate_spike — per show: at least `minVotes` votes in the window and at least `factor` × the expected count,
   * expected = show_forecasts.predicted_votes_per_minute × window, else the show's own average per window over
   * the previous `baselineMinutes`, never below `minExpected`.
   */
  rateSpike: { minVotes: 50, factor: 5, baselineMinutes: 60, minExpected: 10 },
  /** Evidence lists at most this many accounts; the vote ids (what a discount applies to) are all kept. */
  maxAccountsInEvidence: 200,
} as const;

export type AnomalyRule = 'new_account_burst' | 'shared_network' | 'rate_spike';
