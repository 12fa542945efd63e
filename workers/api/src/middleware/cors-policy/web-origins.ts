/** The browser origins allowed to use the session cookie across origins: `WEB_ORIGINS`, comma-separated. */
export function webOrigins(env: Pick<Env, 'WEB_ORIGINS'>): string[] {
  return (env.WEB_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
}
