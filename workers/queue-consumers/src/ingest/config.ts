/**
 * Provider credentials (worker secrets) and base URLs (vars: the real hosts in production; a fixture
 * server in tests and in `npm run ingest -- --fixtures`).
 */
export interface ProviderEnv {
  SPOTIFY_CLIENT_ID?: string;
  SPOTIFY_CLIENT_SECRET?: string;
  TICKETMASTER_API_KEY?: string;
  SETLISTFM_API_KEY?: string;
  SPOTIFY_API_URL?: string;
  SPOTIFY_ACCOUNTS_URL?: string;
  TICKETMASTER_API_URL?: string;
  SETLISTFM_API_URL?: string;
}

export interface ProviderConfig {
  spotify: { clientId: string; clientSecret: string; apiUrl: string; accountsUrl: string };
  ticketmaster: { apiKey: string; apiUrl: string };
  setlistfm: { apiKey: string; apiUrl: string };
}

export const DEFAULT_PROVIDER_URLS = {
  SPOTIFY_API_URL: 'https://api.spotify.com',
  SPOTIFY_ACCOUNTS_URL: 'https://accounts.spotify.com',
  TICKETMASTER_API_URL: 'https://app.ticketmaster.com',
  SETLISTFM_API_URL: 'https://api.setlist.fm',
} as const;

export const REQUIRED_SECRETS = [
  'SPOTIFY_CLIENT_ID',
  'SPOTIFY_CLIENT_SECRET',
  'TICKETMASTER_API_KEY',
  'SETLISTFM_API_KEY',
] as const;

/** The secrets that are not set (empty counts as not set). */
export function missingSecrets(env: ProviderEnv): string[] {
  return REQUIRED_SECRETS.filter((name) => !env[name]?.trim());
}

const base = (value: string | undefined, fallback: string) => (value?.trim() || fallback).replace(/\/+$/, '');

/** The configuration, or the list of missing secrets. */
export function providerConfig(
  env: ProviderEnv,
): { ok: true; config: ProviderConfig } | { ok: false; missing: string[] } {
  const missing = missingSecrets(env);
  if (missing.length) return { ok: false, missing };
  return {
    ok: true,
    config: {
      spotify: {
        clientId: env.SPOTIFY_CLIENT_ID!,
        clientSecret: env.SPOTIFY_CLIENT_SECRET!,
        apiUrl: base(env.SPOTIFY_API_URL, DEFAULT_PROVIDER_URLS.SPOTIFY_API_URL),
        accountsUrl: base(env.SPOTIFY_ACCOUNTS_URL, DEFAULT_PROVIDER_URLS.SPOTIFY_ACCOUNTS_URL),
      },
      ticketmaster: {
        apiKey: env.TICKETMASTER_API_KEY!,
        apiUrl: base(env.TICKETMASTER_API_URL, DEFAULT_PROVIDER_URLS.TICKETMASTER_API_URL),
      },
      setlistfm: {
        apiKey: env.SETLISTFM_API_KEY!,
        apiUrl: base(env.SETLISTFM_API_URL, DEFAULT_PROVIDER_URLS.SETLISTFM_API_URL),
      },
    },
  };
}
