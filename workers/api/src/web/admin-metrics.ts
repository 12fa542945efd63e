/**
 * The metrics endpoint's body, for the ops page and its script (which must not import server code). Mirrors the
 * `AdminMetrics` schema of the OpenAPI document.
 */
export interface AdminMetrics {
  at: string;
  windowMinutes: number;
  votes: { perMinute: number; total: number; series: { minute: string; votes: number; unvotes: number }[] };
  rooms: { active: number; sockets: number; staleAfterSeconds: number };
  topShows: { showId: string; slug: string | null; votes: number; sockets: number }[];
  topShowsMinutes: number;
  queues: { queue: string; messages: number; avgLagMs: number; maxLagMs: number }[];
  routes: {
    route: string;
    requests: number;
    errorRate: number;
    clientErrorRate: number;
    p95Ms: number | null;
    p95AboveHistogram: boolean;
    meanMs: number | null;
  }[];
}
