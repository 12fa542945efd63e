/**
 * Postgres access for the fixture and the checks, through the relay's Neon-compatible `/sql` endpoint
 * (the same driver the workers use), plus the relay's round-trip counters.
 *
 * Every request the bench itself makes is counted, so it can be subtracted from the relay's counters:
 * the reported round trips are the workers' alone.
 */
import { type NeonQueryFunction, neon, neonConfig } from '@neondatabase/serverless';
import { neonLocalConfig } from '#shared/db/neon-config';

export interface RelayStats {
  sqlRequests: number;
  wsConnections: number;
  wsFrames: number;
  /** `/sql` requests by their first statement (relays from before it existed lack it). */
  byStatement?: Record<string, number>;
}

export class BenchDb {
  readonly #sql: NeonQueryFunction<false, false>;
  /** /sql requests made by the bench since the last `resetRelayStats()`. */
  ownRequests = 0;

  constructor(private readonly relay: string) {
    neonConfig.fetchEndpoint = neonLocalConfig(relay).fetchEndpoint;
    // The relay ignores the connection string's host and credentials.
    this.#sql = neon('postgres://bench:bench@localhost:5432/mysetlist');
  }

  async query<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    this.ownRequests++;
    return (await this.#sql.query(text, params)) as T[];
  }

  /** Several statements in one transaction: one HTTP request, one round trip. */
  async transaction(statements: { text: string; params: unknown[] }[]): Promise<void> {
    this.ownRequests++;
    await this.#sql.transaction(statements.map((s) => this.#sql.query(s.text, s.params)));
  }

  async relayStats(): Promise<RelayStats> {
    const res = await fetch(`http://${this.relay}/__relay/stats`);
    if (!res.ok) throw new Error(`GET /__relay/stats: ${res.status}`);
    const body = (await res.json()) as RelayStats;
    return {
      sqlRequests: body.sqlRequests,
      wsConnections: body.wsConnections,
      wsFrames: body.wsFrames,
      ...(body.byStatement ? { byStatement: body.byStatement } : {}),
    };
  }

  async resetRelayStats(): Promise<void> {
    const res = await fetch(`http://${this.relay}/__relay/stats`, { method: 'DELETE' });
    if (!res.ok) throw new Error(`DELETE /__relay/stats: ${res.status}`);
    this.ownRequests = 0;
  }
}
