/**
 * Points the Neon serverless driver at a local relay (scripts/local-db) instead of Neon's proxy: the workers
 * through `configureNeon(env.DB_RELAY)`, Node tools and benchmarks through `neonLocalConfig(relay)`. In production
 * DB_RELAY is unset and the driver's defaults (TLS WebSocket to Neon) apply.
 */
import { type NeonConfig, neonConfig } from '@neondatabase/serverless';

export type NeonLocalSettings = Pick<
  NeonConfig,
  'wsProxy' | 'useSecureWebSocket' | 'pipelineTLS' | 'pipelineConnect' | 'forceDisablePgSSL' | 'fetchEndpoint'
>;

/** The driver settings for a relay at `relayAddress` (host:port, no scheme). */
export function neonLocalConfig(relayAddress: string): NeonLocalSettings {
  return {
    // The driver calls this with the connection string's host/port; the relay dials its configured database for
    // any host but those of its `extraDatabases` (the local EU database), so a placeholder host in DATABASE_URL works.
    wsProxy: (host: string, port: number | string): string => `${relayAddress}/v2?address=${host}:${port}`,
    // Plain ws:// and http:// to localhost; there is no TLS on the relay.
    useSecureWebSocket: false,
    // The relay speaks plain Postgres after the socket opens; pipelining TLS or the password would be misread by
    // a trust-auth server (PGlite answers AuthenticationOk at once), so both are off (platform-notes.md).
    pipelineTLS: false,
    pipelineConnect: false,
    // No Postgres-level TLS inside the tunnel (the default, stated explicitly).
    forceDisablePgSSL: true,
    // In driver 1.2.0 this may be a string or (host, port, options) => string; a fixed URL is enough.
    fetchEndpoint: `http://${relayAddress}/sql`,
  };
}

let configuredRelay: string | undefined;

export function configureNeon(relay: string | undefined): void {
  if (!relay || relay === configuredRelay) return;
  configuredRelay = relay;
  Object.assign(neonConfig, neonLocalConfig(relay));
}
