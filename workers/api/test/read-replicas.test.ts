import { env } from 'cloudflare:workers';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase, openHttpSql } from '#shared/db/client';
import { shows } from '#shared/db/schema';
import { api, createShow, signUp } from './support';

const PRIMARY_HOST = new URL(env.DATABASE_URL).hostname;
const REPLICA_HOST = new URL(env.DATABASE_REPLICA_URLS.split(',')[0]!).hostname;

interface HostCounters {
  sqlRequests: number;
  wsConnections: number;
  wsFrames: number;
}
type Traffic = Record<'primary' | 'replica', HostCounters>;

/** What reached the relay during `action`, per requested host: HTTP requests (`/sql`), WebSockets and their frames. */
async function trafficDuring(action: () => Promise<unknown>): Promise<Traffic> {
  await fetch(`http://${env.DB_RELAY}/__relay/stats`, { method: 'DELETE' });
  await action();
  const { byHost } = (await (await fetch(`http://${env.DB_RELAY}/__relay/stats`)).json()) as {
    byHost: Record<string, HostCounters>;
  };
  const of = (host: string): HostCounters => ({ sqlRequests: 0, wsConnections: 0, wsFrames: 0, ...byHost[host] });
  return { primary: of(PRIMARY_HOST), replica: of(REPLICA_HOST) };
}

const NONE: HostCounters = { sqlRequests: 0, wsConnections: 0, wsFrames: 0 };

/**
 * The test project configures DATABASE_REPLICA_URLS as the same database under another host name; the
 * local relay counts round trips per host and per protocol, which shows where each query went: reads over
 * HTTP to the replica, writes and read-your-writes over a WebSocket to the primary.
 */
describe('read replicas', () => {
  it('are configured as a different host than the primary', () => {
    expect(REPLICA_HOST).not.toBe(PRIMARY_HOST);
  });

  it('serve plain reads over HTTP, and a read-only request opens no WebSocket', async () => {
    const traffic = await trafficDuring(async () => expect((await api('/v1/shows?limit=3')).status).toBe(200));
    expect(traffic.replica.sqlRequests).toBeGreaterThan(0);
    expect(traffic.replica.wsConnections).toBe(0);
    expect(traffic.primary).toEqual(NONE);
  });

  it('never see writes, or the reads that must see a write just made', async () => {
    const traffic = await trafficDuring(async () => {
      const fan = await signUp();
      // Session lookup reads its own write (the session created a moment ago): primary.
      expect((await api('/v1/me', { token: fan.token })).status).toBe(200);
    });
    expect(traffic.primary.wsConnections).toBeGreaterThan(0);
    expect(traffic.primary.wsFrames).toBeGreaterThan(0);
    expect(traffic.replica).toEqual(NONE);
  });
});

describe('openDatabase', () => {
  const withoutReplicas = { DATABASE_URL: env.DATABASE_URL, DB_RELAY: env.DB_RELAY };

  it('without replicas, reads over HTTP on the primary; writes, execute and transactions over its WebSocket', async () => {
    const { show } = await createShow();
    const { db, close } = openDatabase(withoutReplicas);
    try {
      const reads = await trafficDuring(async () => {
        const [row] = await db.select().from(shows).where(eq(shows.id, show.id));
        expect(row?.startsAt).toBeInstanceOf(Date);
        expect(row?.startsAt.getTime()).toBe(show.startsAt.getTime());
        expect(await db.$count(shows, eq(shows.id, show.id))).toBe(1);
        const found = await db.query.shows.findFirst({ where: eq(shows.id, show.id) });
        expect(found?.votingClosesAt).toEqual(show.votingClosesAt);
      });
      expect(reads.primary).toEqual({ sqlRequests: 3, wsConnections: 0, wsFrames: 0 });

      const writes = await trafficDuring(async () => {
        await db.update(shows).set({ updatedAt: new Date() }).where(eq(shows.id, show.id));
        const { rows } = await db.execute<{ one: number }>(sql`select 1 as one`);
        expect(rows).toEqual([{ one: 1 }]);
        await db.transaction(async (tx) => tx.select({ id: shows.id }).from(shows).where(eq(shows.id, show.id)));
        await db.$primary.select({ id: shows.id }).from(shows).where(eq(shows.id, show.id));
      });
      expect(writes.primary.sqlRequests).toBe(0);
      expect(writes.primary.wsConnections).toBe(1);
      expect(writes.primary.wsFrames).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });

  it('raw reads on a replica (readReplica) get rows like the primary does', async () => {
    const { show } = await createShow();
    const { db, close } = openDatabase(env);
    try {
      const query = sql`select id, starts_at, 2::int as n from shows where id = ${show.id}`;
      const viaReplica = await db.$replicas[0]!.execute(query);
      const viaPrimary = await db.$primary.execute(query);
      expect(viaReplica.rows).toEqual(viaPrimary.rows);
      expect(viaReplica.rows[0]).toMatchObject({ id: show.id, n: 2 });
    } finally {
      await close();
    }
  });

  it('leaves the driver’s global type parsers alone (raw neon() queries still get Dates)', async () => {
    openDatabase(env);
    const [row] = (await openHttpSql(env)`select now() as at`) as { at: unknown }[];
    expect(row?.at).toBeInstanceOf(Date);
  });
});
