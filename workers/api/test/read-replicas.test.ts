import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { api, signUp } from './support';

const PRIMARY_HOST = new URL(env.DATABASE_URL).hostname;
const REPLICA_HOST = new URL(env.DATABASE_REPLICA_URLS.split(',')[0]!).hostname;

type HostStats = Record<string, { wsFrames: number; sqlRequests: number }>;

async function framesDuring(action: () => Promise<unknown>): Promise<{ primary: number; replica: number }> {
  await fetch(`http://${env.DB_RELAY}/__relay/stats`, { method: 'DELETE' });
  await action();
  const { byHost } = (await (await fetch(`http://${env.DB_RELAY}/__relay/stats`)).json()) as { byHost: HostStats };
  const count = (host: string) => (byHost[host]?.wsFrames ?? 0) + (byHost[host]?.sqlRequests ?? 0);
  return { primary: count(PRIMARY_HOST), replica: count(REPLICA_HOST) };
}

/**
 * The test project configures DATABASE_REPLICA_URLS as the same database under another host name; the
 * local relay counts round trips per host, which shows where drizzle's withReplicas sent each query.
 */
describe('read replicas', () => {
  it('are configured as a different host than the primary', () => {
    expect(REPLICA_HOST).not.toBe(PRIMARY_HOST);
  });

  it('serve plain reads', async () => {
    const { primary, replica } = await framesDuring(async () => expect((await api('/v1/shows?limit=3')).status).toBe(200));
    expect(replica).toBeGreaterThan(0);
    expect(primary).toBe(0);
  });

  it('never see writes, or the reads that must see a write just made', async () => {
    const { primary, replica } = await framesDuring(async () => {
      const fan = await signUp();
      // Session lookup reads its own write (the session created a moment ago): primary.
      expect((await api('/v1/me', { token: fan.token })).status).toBe(200);
    });
    expect(primary).toBeGreaterThan(0);
    expect(replica).toBe(0);
  });
});
