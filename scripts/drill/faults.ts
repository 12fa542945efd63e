/**
 * npm run drill:faults [-- --short] [--database-url postgres://…] [--seconds N] [--fans N]
 *
 * Proves that an acknowledged vote is never lost nor counted twice: starts the real stack (relay + PGlite, or a
 * real PostgreSQL with --database-url; wrangler dev with the three workers), drives fans voting and taking votes
 * back over WebSocket and HTTP in several shows, and injects faults from outside the workers meanwhile:
 *
 * - pg_down: the relay refuses every connection for longer than every retry budget (the queue's, the dead-letter
 *   queue's, the room's drain), so dead letters are dropped and only the room's reconciliation can recover;
 * - workerd_kill: the workers' workerd is SIGKILLed mid-load (in-flight local queue messages die, sockets drop,
 *   rooms are evicted) and started again; fans reconnect and resume;
 * - consumer_fail: the consumer's vote transaction fails (the relay fails it), so its batch is retried later:
 *   redeliveries overtaken by newer batches;
 * - poison / duplicate / reordered: messages put into the vote-events queue beside the rooms' own, through the
 *   admin dead-letter replay: events Postgres refuses, exact repeats of applied events, and stale events older
 *   than what Postgres holds.
 *
 * Then it waits until nothing moves and compares, per show and song: what the fans were acked, what the rooms
 * hold, what Postgres holds. One table; exit code 1 when anything was lost or counted twice.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { BenchDb } from '../../bench/room/db';
import { Fan, type FanStats } from './fans';
import { drillFixture, type Show } from './fixture';
import { runDrill, runOnStack, runPlace } from './stack';

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    'database-url': { type: 'string' },
    seconds: { type: 'string' },
    fans: { type: 'string' },
    shows: { type: 'string' },
    /** Also refuse / hang outbox sends through the room's local-only hook (see below). */
    'queue-faults': { type: 'boolean', default: false },
    /** Only the light faults (no outage, no SIGKILL): to look at one kind of fault on its own. */
    'no-heavy': { type: 'boolean', default: false },
    /** Every N seconds during the load: votes acked so far and vote rows in Postgres (0 = off). */
    progress: { type: 'string' },
  },
});
const short = values.short ?? false;
const seconds = Number(values.seconds ?? (short ? 60 : 300));
const fanCount = Number(values.fans ?? (short ? 30 : 60));
const showCount = Number(values.shows ?? 3);
const SONGS_PER_SHOW = 8;
const PAUSE_MS = 25;

const started = performance.now();
const log = (line: string) => console.log(`[drill ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const faults = {
  pg_down: 0,
  workerd_kill: 0,
  consumer_fail: 0,
  queue_refused: 0,
  queue_hang: 0,
  poison: 0,
  duplicate: 0,
  reordered: 0,
};

async function relayFaults(relay: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${relay}/__relay/faults`, { method: 'POST', body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

async function relayFaultsLeft(relay: string): Promise<{ failSql: number; queueSends: number }> {
  const res = await fetch(`http://${relay}/__relay/stats`);
  return ((await res.json()) as { faults: { failSql: number; queueSends: number } }).faults;
}

async function post<T>(url: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as T };
}

/**
 * Puts poison, duplicate and stale (reordered) events into the vote-events queue through the admin replay:
 * rows written into dead_letters, then replayed beside the rooms' own events.
 */
/** Injected rows not replayed yet (the api refuses while its database breaker is open): counted once replayed. */
const unreplayed: (keyof typeof faults)[] = [];

async function injectThroughReplay(db: BenchDb, base: string, adminToken: string, shows: Show[]): Promise<void> {
  const rows = (await db.query(
    `select id::text, user_id::text, setlist_song_id::text, show_id::text, active, room_seq::int as seq,
            (select song_id::text from setlist_songs s where s.id = v.setlist_song_id) as song_id
     from votes v where show_id = any($1::uuid[]) and room_seq > 1 order by random() limit 8`,
    [shows.map((s) => s.id)],
  )) as {
    id: string;
    user_id: string;
    setlist_song_id: string;
    show_id: string;
    active: boolean;
    seq: number;
    song_id: string;
  }[];
  const at = new Date().toISOString();
  const bodies: { body: unknown; kind: keyof typeof faults }[] = [];
  for (const [i, r] of rows.entries()) {
    const event = {
      v: 1,
      eventId: randomUUID(),
      showId: r.show_id,
      at,
      voteId: r.id,
      userId: r.user_id,
      setlistSongId: r.setlist_song_id,
      songId: r.song_id,
    };
    if (i % 2 === 0)
      bodies.push({ kind: 'duplicate', body: { ...event, kind: r.active ? 'vote' : 'unvote', seq: r.seq } });
    // Older than what Postgres holds and of the opposite kind: applied, it would flip the vote.
    else bodies.push({ kind: 'reordered', body: { ...event, kind: r.active ? 'unvote' : 'vote', seq: r.seq - 1 } });
  }
  for (let i = 0; i < 2; i++) {
    const show = shows[Math.floor(Math.random() * shows.length)]!;
    // A setlist entry for a song that does not exist: Postgres refuses it on every attempt.
    bodies.push({
      kind: 'poison',
      body: {
        v: 1,
        kind: 'song_added',
        eventId: randomUUID(),
        showId: show.id,
        seq: 1,
        at,
        setlistSongId: randomUUID(),
        songId: randomUUID(),
        userId: null,
      },
    });
  }
  // The poison injected before is back in dead_letters by now (recorded by the dead-letter consumer): marked
  // handled, so that each replay sends only new injections and the poison does not pile up round after round.
  await db.query(
    `update dead_letters set replayed_at = now()
     where queue = 'mysetlist-vote-events' and replayed_at is null and message_id not like 'drill-%'`,
  );
  await db.query(
    `insert into dead_letters (queue, message_id, body, attempts)
     select 'mysetlist-vote-events', unnest($1::text[]), unnest($2::jsonb[]), 0`,
    [bodies.map(() => `drill-${randomUUID()}`), bodies.map((b) => JSON.stringify(b.body))],
  );
  unreplayed.push(...bodies.map((b) => b.kind));
  const res = await post<{ replayed: number; remaining: number }>(
    `${base}/v1/admin/dead-letters/replay`,
    { queue: 'mysetlist-vote-events' },
    adminToken,
  );
  if (res.status !== 200) throw new Error(`replay: HTTP ${res.status}`);
  // Everything pending is replayed at once (far below the route's limit): all injected rows are in the queue.
  for (const kind of unreplayed.splice(0)) faults[kind]++;
}

interface Tally {
  expected: number;
  rooms: number;
  postgres: number;
  lost: number;
  double: number;
  songsOff: number;
}

async function compare(db: BenchDb, base: string, shows: Show[], fans: Fan[]): Promise<Tally> {
  const expected = new Map<string, Set<string>>(); // setlist song → acked active vote ids
  for (const fan of fans)
    for (const [song, voteId] of fan.ledger.state)
      if (voteId) (expected.get(song) ?? expected.set(song, new Set()).get(song)!).add(voteId);
  const pgRows = (await db.query(
    `select setlist_song_id::text as song, id::text as id from votes where show_id = any($1::uuid[]) and active`,
    [shows.map((s) => s.id)],
  )) as { song: string; id: string }[];
  const inPg = new Map<string, string[]>();
  for (const r of pgRows) (inPg.get(r.song) ?? inPg.set(r.song, []).get(r.song)!).push(r.id);
  const tally: Tally = { expected: 0, rooms: 0, postgres: pgRows.length, lost: 0, double: 0, songsOff: 0 };
  for (const show of shows) {
    const res = await fetch(`${base}/v1/shows/${show.id}/setlist`);
    const view = (await res.json()) as { songs?: { setlistSongId: string; votes: number }[] };
    const roomCounts = new Map((view.songs ?? []).map((s) => [s.setlistSongId, s.votes]));
    for (const song of show.setlistSongIds) {
      const want = expected.get(song) ?? new Set<string>();
      const have = inPg.get(song) ?? [];
      tally.expected += want.size;
      tally.rooms += roomCounts.get(song) ?? 0;
      tally.lost += [...want].filter((id) => !have.includes(id)).length;
      tally.double += have.filter((id) => !want.has(id)).length;
      if (roomCounts.get(song) !== want.size || have.length !== want.size) tally.songsOff++;
    }
  }
  return tally;
}

async function main(): Promise<void> {
  const runId = `${Date.now().toString(36)}`;
  const place = runPlace('drill', runId);
  const { dataDir } = place;
  log(
    `${short ? 'short' : 'full'} run: ${seconds} s of load, ${fanCount} fans, ${showCount} shows; data in ${dataDir}`,
  );
  await runOnStack(
    {
      ...place,
      databaseUrl: values['database-url'],
      // Every budget compressed (a minute of outage stands for hours): queue retries after 0–1 s, the room
      // drains again within 2 s, checks Postgres every 2 s and resends what is still missing after 4 s.
      vars: {
        RETRY_DELAY_BASE_SECONDS: '0.05',
        ROOM_QUEUE_SEND_TIMEOUT_MS: '3000',
        ROOM_DRAIN_BACKOFF_BASE_MS: '100',
        ROOM_DRAIN_BACKOFF_MAX_MS: '2000',
        ROOM_RECONCILE_SECONDS: '2',
        ROOM_RESEND_AFTER_SECONDS: '4',
        ROOM_COUNT_CHECK_SECONDS: '5',
        // The room asks the relay before each outbox send whether to refuse it or hang (local only).
        ...(values['queue-faults'] ? { ROOM_FAULT_HOOKS: 'relay' } : {}),
        // DRILL_VARS overrides any of these (stack.ts), e.g. to see what the room's reconciliation saves.
      },
      queueRetries: 3,
      dlqRetries: 1,
      log,
    },
    async (stack, db) => {
      const {
        shows,
        fans: accounts,
        admin,
      } = await drillFixture(db, stack.url, {
        slug: 'drill',
        name: 'Drill',
        runId,
        showCount,
        songsPerShow: SONGS_PER_SHOW,
        fanCount,
      });
      const adminToken = admin.token;
      const stats: FanStats = { votesAcked: 0, unvotesAcked: 0, retries: 0, reconnects: 0, refused: new Map() };
      const fans = accounts.map(
        (a, i) =>
          new Fan(
            stack.url,
            a.token,
            shows[i % shows.length]!.id,
            shows[i % shows.length]!.setlistSongIds,
            i % 2 ? 'http' : 'ws',
            stats,
          ),
      );
      log(`${fans.length} fans signed up; load starts`);
      let running = true;
      const load = Promise.all(fans.map((f) => f.run(() => running, PAUSE_MS)));
      const end = Date.now() + seconds * 1000;
      const outage = short ? 12_000 : 20_000;
      // The heavy faults at fixed points of the run; the light ones in between, over and over.
      const heavy: { at: number; kind: 'pg_down' | 'workerd_kill' }[] = values['no-heavy']
        ? []
        : short
          ? [
              { at: 0.2, kind: 'pg_down' },
              { at: 0.55, kind: 'workerd_kill' },
            ]
          : [
              { at: 0.1, kind: 'pg_down' },
              { at: 0.25, kind: 'workerd_kill' },
              { at: 0.4, kind: 'pg_down' },
              { at: 0.55, kind: 'workerd_kill' },
              { at: 0.7, kind: 'pg_down' },
              { at: 0.8, kind: 'workerd_kill' },
            ];
      const t0 = Date.now();
      // The light faults over and over, beside the heavy ones (each skipped while the stack cannot take it).
      let failSqlSet = 0;
      let queueSet: { n: number; kind: 'refuse' | 'hang' } = { n: 0, kind: 'refuse' };
      const countSpent = async () => {
        // Setting a count replaces what is left of the previous one: count only the faults that happened.
        const left = await relayFaultsLeft(stack.relay);
        faults.consumer_fail += failSqlSet - left.failSql;
        faults[queueSet.kind === 'refuse' ? 'queue_refused' : 'queue_hang'] += queueSet.n - left.queueSends;
        failSqlSet = 0;
        queueSet = { n: 0, kind: 'refuse' };
      };
      let round = 0;
      const light = (async () => {
        while (Date.now() < end) {
          try {
            await countSpent();
            // Every third round: the consumer's next vote transactions fail, and (--queue-faults) one outbox send is
            // refused or hangs. More starves persistence altogether while the load runs.
            const third = round % 3 === 0;
            const queueSends = third && values['queue-faults'] ? 1 : 0;
            const kind = round++ % 2 ? 'hang' : 'refuse';
            const failSql = third ? 4 : 0;
            await relayFaults(stack.relay, { failSql, match: 'insert into votes', queueSends, queueFault: kind });
            failSqlSet = failSql;
            queueSet = { n: queueSends, kind };
            await injectThroughReplay(db, stack.url, adminToken, shows);
          } catch (err) {
            log(`light fault skipped: ${err instanceof Error ? err.message : String(err)}`);
          }
          await sleep(1000);
        }
      })();
      const progressMs = Number(values.progress ?? 0) * 1000;
      const progress = (async () => {
        while (progressMs > 0 && Date.now() < end) {
          await sleep(progressMs);
          try {
            const [rows] = await db.query<{ n: number; active: number }>(
              'select count(*)::int as n, count(*) filter (where active)::int as active from votes where show_id = any($1::uuid[])',
              [shows.map((s) => s.id)],
            );
            const relay = await db.relayStats();
            const top = Object.entries(relay.byStatement ?? {})
              .sort((x, y) => y[1] - x[1])
              .slice(0, 6)
              .map(([k, n]) => `${k.slice(0, 40)}=${n}`)
              .join(', ');
            log(
              `progress: acked ${stats.votesAcked} votes / ${stats.unvotesAcked} retractions; postgres ${rows!.n} vote rows (${rows!.active} active); relay ${relay.sqlRequests} /sql, ${relay.wsConnections} ws: ${top}`,
            );
          } catch (err) {
            log(`progress: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      })();
      for (const next of heavy) {
        const at = t0 + next.at * seconds * 1000;
        if (at > Date.now()) await sleep(at - Date.now());
        if (next.kind === 'pg_down') {
          log(`fault: Postgres unreachable for ${outage / 1000} s`);
          await relayFaults(stack.relay, { down: true });
          await sleep(outage);
          await relayFaults(stack.relay, { down: false });
          faults.pg_down++;
          log('Postgres reachable again');
        } else {
          log('fault: SIGKILL the workers');
          await stack.killWorkers();
          faults.workerd_kill++;
          log('workers restarted');
        }
      }
      if (end > Date.now()) await sleep(end - Date.now());
      await light;
      await progress;
      running = false;
      log('load stops; waiting for the fans to finish their last operation');
      await load;
      await countSpent();
      await relayFaults(stack.relay, { failSql: 0, queueSends: 0 });
      log(`acked: ${stats.votesAcked} votes, ${stats.unvotesAcked} retractions; waiting for quiescence`);

      let tally = await compare(db, stack.url, shows, fans);
      const quietBy = Date.now() + (short ? 120_000 : 240_000);
      while ((tally.lost || tally.double || tally.songsOff) && Date.now() < quietBy) {
        await sleep(2000);
        tally = await compare(db, stack.url, shows, fans);
      }
      const settledIn = ((Date.now() - (quietBy - (short ? 120_000 : 240_000))) / 1000).toFixed(0);
      const totalFaults = Object.values(faults).reduce((a, b) => a + b, 0);
      const refused = [...stats.refused].map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
      console.log('');
      console.log(`drill:faults (${short ? 'short' : 'full'}, ${values['database-url'] ? 'PostgreSQL' : 'PGlite'})`);
      console.log('| faults injected | count |');
      console.log('| --- | ---: |');
      for (const [kind, n] of Object.entries(faults)) console.log(`| ${kind} | ${n} |`);
      console.log(`| **total** | **${totalFaults}** |`);
      console.log('');
      console.log('| votes | count |');
      console.log('| --- | ---: |');
      console.log(`| acked (vote acks / retraction acks) | ${stats.votesAcked} / ${stats.unvotesAcked} |`);
      console.log(`| acked and still standing | ${tally.expected} |`);
      console.log(`| in the rooms | ${tally.rooms} |`);
      console.log(`| in Postgres | ${tally.postgres} |`);
      console.log(`| lost | ${tally.lost} |`);
      console.log(`| counted twice | ${tally.double} |`);
      console.log('');
      console.log(
        `fans: ${fans.length} (${fans.filter((f) => f.transport === 'ws').length} WebSocket), retries ${stats.retries}, ` +
          `reconnects ${stats.reconnects}, refused ${refused}; settled ${settledIn} s after the load; ` +
          `songs not matching ${tally.songsOff}`,
      );
      return tally.lost || tally.double || tally.songsOff || tally.rooms !== tally.expected ? 1 : 0;
    },
  );
}

runDrill('drill', main);
