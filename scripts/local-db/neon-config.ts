/**
 * Neon driver settings for talking to the local relay instead of Neon's proxy.
 *
 * Runtime-free on purpose (only a type import): worker code running in workerd can import this file
 * without pulling in node:http, ws or PGlite.
 *
 *   import { neonConfig } from '@neondatabase/serverless';
 *   Object.assign(neonConfig, neonLocalConfig('127.0.0.1:54321'));
 */
import type { NeonConfig } from '@neondatabase/serverless';

export type NeonLocalSettings = Pick<
  NeonConfig,
  'wsProxy' | 'useSecureWebSocket' | 'pipelineTLS' | 'pipelineConnect' | 'forceDisablePgSSL' | 'fetchEndpoint'
>;

/**
 * @param relayAddress host:port of the relay (LocalDatabase.relayAddress), no scheme.
 */
export function neonLocalConfig(relayAddress: string): NeonLocalSettings {
  return {
    // The driver calls this with the connection string's host/port; the relay ignores ?address= and always
    // dials its configured database, so any placeholder host in DATABASE_URL works.
    wsProxy: (host: string, port: number | string): string => `${relayAddress}/v2?address=${host}:${port}`,
    // Plain ws:// and http:// to localhost; there is no TLS on the relay.
    useSecureWebSocket: false,
    pipelineTLS: false,
    // 'password' (the default) sends a cleartext password before the server asks for one, which is only
    // valid with password auth; local servers use trust auth (and PGlite answers AuthenticationOk at once).
    pipelineConnect: false,
    // No Postgres-level TLS inside the tunnel (the default, stated explicitly).
    forceDisablePgSSL: true,
    // In driver 1.2.0 this may be a string or (host, port, options) => string; a fixed URL is enough.
    fetchEndpoint: `http://${relayAddress}/sql`,
  };
}
