/**
 * Points the Neon serverless driver at a local relay (scripts/local-db) instead of Neon's proxy.
 * In production DB_RELAY is unset and the driver's defaults (TLS WebSocket to Neon) apply.
 */
import { neonConfig } from '@neondatabase/serverless';

let configuredRelay: string | undefined;

export function configureNeon(relay: string | undefined): void {
  if (!relay || relay === configuredRelay) return;
  configuredRelay = relay;
  neonConfig.wsProxy = (host, port) => `${relay}/v2?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  // The relay speaks plain Postgres after the socket opens; pipelining TLS or the password would be
  // misread by a trust-auth server, so both are off locally (platform-notes.md).
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
  neonConfig.fetchEndpoint = `http://${relay}/sql`;
}
