import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '#shared/db/client';
import { createLogger } from '#shared/log';
import { alertDedupKey } from '#shared/schemas/alerts';
import { InfrastructureAlerts } from '../src/alerts/infrastructure';
import { evaluateAlerts } from '../src/alerts/job';
import { POSTGRES_RULES } from '../src/alerts/rules';
import { databaseBreaker } from '../src/resilience/database-breaker';
import { providerRequests, scriptProvider } from './notification-support';
import { api, createShow, eventually, relayFaults, signUpAs, sql } from './support';

/** Every rule fires at once unless a test says otherwise, so one evaluation moves an alert. */
const FIRE_AT_ONCE = JSON.stringify({
  rules: Object.fromEntries([...POSTGRES_RULES, 'circuit_open'].map((r) => [r, { forMinutes: 0 }])),
});

const handle = openDatabase(env, () => {}, { guard: databaseBreaker(env) });
afterAll(() => handle.close());
const log = createLogger({}, { level: 'error' });
const staff = signUpAs('moderator');

function evaluate(infra: InfrastructureAlerts, now = new Date(), rules = FIRE_AT_ONCE, db = handle.db) {
  return evaluateAlerts({ db, env: { ...env, ALERT_RULES: rules }, now, log, infra });
}

/** A new handle, as each cron run opens one (a connection opened before an outage would outlive it). */
async function withFreshDatabase<T>(fn: (db: typeof handle.db) => Promise<T>): Promise<T> {
  const fresh = openDatabase(env, () => {}, { guard: databaseBreaker(env) });
  try {
    return await fn(fresh.db);
  } finally {
    await fresh.close();
  }
}

async function alertOf(rule: string, subject: string) {
  const rows = (await sql().query(
    `select state, fired_at, resolved_at, value from alerts where rule = $1 and subject = $2 order by started_at`,
    [rule, subject],
  )) as { state: string; fired_at: string | null; resolved_at: string | null; value: number }[];
  return rows;
}

/** The PagerDuty events and webhook posts received for one alert, as parsed bodies. */
async function received(rule: string, subject: string, count: number) {
  const key = alertDedupKey(rule as never, subject);
  return eventually(async () => {
    const pd = (await providerRequests('pagerduty', key)).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    const hook = (await providerRequests('webhook', key)).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    return pd.length >= count && hook.length >= count ? { pd, hook } : undefined;
  });
}

/** Drives one rule: the condition holds → firing and delivered; it stops → resolved and delivered. */
async function fireAndResolve(
  rule: string,
  subject: string,
  hold: () => Promise<unknown>,
  clear: () => Promise<unknown>,
) {
  const infra = new InfrastructureAlerts();
  await hold();
  await evaluate(infra);
  expect(await alertOf(rule, subject)).toMatchObject([{ state: 'firing', resolved_at: null }]);
  // Still holding: the same alert, no second page (de-duplication).
  await evaluate(infra);
  expect(await alertOf(rule, subject)).toHaveLength(1);
  const fired = await received(rule, subject, 1);
  expect(fired.pd).toHaveLength(1);
  expect(fired.pd[0]).toMatchObject({
    routing_key: 'test0000000000000000000000000000',
    event_action: 'trigger',
    dedup_key: alertDedupKey(rule as never, subject),
    payload: { source: 'mysetlist', class: rule, component: subject },
  });
  expect(fired.hook[0]).toMatchObject({ version: 1, action: 'trigger', alert: { rule, subject, state: 'firing' } });
  const listed = (await (await api('/v1/admin/alerts', { token: (await staff).token })).json()) as {
    active: { rule: string; subject: string; state: string }[];
  };
  expect(listed.active).toContainEqual(expect.objectContaining({ rule, subject, state: 'firing' }));
  await clear();
  await evaluate(infra);
  expect(await alertOf(rule, subject)).toMatchObject([{ state: 'resolved' }]);
  const after = (await (await api('/v1/admin/alerts', { token: (await staff).token })).json()) as {
    active: { rule: string; subject: string }[];
    recent: { rule: string; subject: string; state: string }[];
  };
  expect(after.active.filter((a) => a.rule === rule && a.subject === subject)).toEqual([]);
  expect(after.recent).toContainEqual(expect.objectContaining({ rule, subject, state: 'resolved' }));
  const resolved = await received(rule, subject, 2);
  expect(resolved.pd[1]).toEqual({
    routing_key: 'test0000000000000000000000000000',
    event_action: 'resolve',
    dedup_key: alertDedupKey(rule as never, subject),
  });
  expect(resolved.hook[1]).toMatchObject({ action: 'resolve', alert: { state: 'resolved' } });
}

const minute = () => new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
const tag = () => crypto.randomUUID().slice(0, 8);

describe('alerts: each rule goes from firing to resolved and reaches PagerDuty and the webhook', () => {
  it('route_error_rate and route_p95, from request_metrics', async () => {
    const route = `GET /test-${tag()}`;
    // 100 requests, 50 answered 5xx, all slower than 2 s (the 5000 ms bucket).
    const buckets = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0];
    const insert = () =>
      sql().query(
        `insert into request_metrics (minute, route, requests, client_errors, server_errors, latency_buckets, latency_sum_ms)
         values ($1, $2, 100, 0, 50, $3, 300000)`,
        [minute(), route, buckets],
      );
    const remove = () => sql().query('delete from request_metrics where route = $1', [route]);
    await insert();
    const infra = new InfrastructureAlerts();
    await evaluate(infra);
    expect(await alertOf('route_error_rate', route)).toMatchObject([{ state: 'firing', value: 0.5 }]);
    expect(await alertOf('route_p95', route)).toMatchObject([{ state: 'firing', value: 5000 }]);
    await remove();
    await fireAndResolve(
      'route_error_rate',
      `${route}-2`,
      async () => {
        await sql().query(
          `insert into request_metrics (minute, route, requests, client_errors, server_errors, latency_buckets, latency_sum_ms)
         values ($1, $2, 40, 0, 10, $3, 400)`,
          [minute(), `${route}-2`, [40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
        );
      },
      () => sql().query('delete from request_metrics where route = $1', [`${route}-2`]),
    );
    // The first route's alerts resolve at the same evaluation.
    expect(await alertOf('route_p95', route)).toMatchObject([{ state: 'resolved' }]);
  });

  it('vote_update_p95, from the rooms’ reports', async () => {
    const showId = crypto.randomUUID();
    await fireAndResolve(
      'vote_update_p95',
      showId,
      () =>
        sql().query(
          'insert into room_presence (show_id, sockets, reported_at, vote_update_p95_ms) values ($1, 10, now(), 4000)',
          [showId],
        ),
      () =>
        sql().query('update room_presence set vote_update_p95_ms = 40, reported_at = now() where show_id = $1', [
          showId,
        ]),
    );
  });

  it('queue_lag and dead_letters, per queue', async () => {
    const queue = `test-queue-${tag()}`;
    await fireAndResolve(
      'queue_lag',
      queue,
      () =>
        sql().query(
          'insert into queue_lag (minute, queue, messages, lag_sum_ms, lag_max_ms) values ($1, $2, 10, 1200000, 130000)',
          [minute(), queue],
        ),
      () => sql().query('delete from queue_lag where queue = $1', [queue]),
    );
    await fireAndResolve(
      'dead_letters',
      queue,
      () =>
        sql().query(`insert into dead_letters (queue, message_id, body, attempts) values ($1, $2, '{}'::jsonb, 3)`, [
          queue,
          crypto.randomUUID(),
        ]),
      () => sql().query('update dead_letters set replayed_at = now() where queue = $1', [queue]),
    );
  });

  it('/ops lists the active alerts', async () => {
    const queue = `test-queue-${tag()}`;
    await sql().query(`insert into dead_letters (queue, message_id, body, attempts) values ($1, $2, '{}'::jsonb, 3)`, [
      queue,
      crypto.randomUUID(),
    ]);
    await evaluate(new InfrastructureAlerts());
    const ops = await api('/ops', { headers: { Accept: 'text/html', Cookie: `msl_session=${(await staff).token}` } });
    expect(ops.status).toBe(200);
    const page = await ops.text();
    expect(page).toContain('id="ops-alerts"');
    expect(page).toContain(`${queue}: 1 message(s) dead-lettered`);
    await sql().query('update dead_letters set replayed_at = now() where queue = $1', [queue]);
  });

  it('anomalies_flagged, until a moderator reviews them', async () => {
    const { show } = await createShow();
    await fireAndResolve(
      'anomalies_flagged',
      show.id,
      () =>
        sql().query(
          `insert into vote_anomalies (show_id, rule, subject, window_bucket, window_start, window_end, vote_ids)
           values ($1, 'rate_spike', 'show', now(), now() - interval '1 minute', now(), $2)`,
          [show.id, [crypto.randomUUID()]],
        ),
      () => sql().query(`update vote_anomalies set status = 'discounted' where show_id = $1`, [show.id]),
    );
  });

  it('waits for the rule’s duration: pending first, firing once it has held long enough, silent if it clears before', async () => {
    const queue = `test-queue-${tag()}`;
    const rules = JSON.stringify({ rules: { dead_letters: { forMinutes: 2 } } });
    const infra = new InfrastructureAlerts();
    await sql().query(`insert into dead_letters (queue, message_id, body, attempts) values ($1, $2, '{}'::jsonb, 3)`, [
      queue,
      crypto.randomUUID(),
    ]);
    const t0 = new Date();
    await evaluate(infra, t0, rules);
    expect(await alertOf('dead_letters', queue)).toMatchObject([{ state: 'pending', fired_at: null }]);
    await evaluate(infra, new Date(t0.getTime() + 60_000), rules);
    expect(await alertOf('dead_letters', queue)).toMatchObject([{ state: 'pending' }]);
    await evaluate(infra, new Date(t0.getTime() + 120_000), rules);
    expect(await alertOf('dead_letters', queue)).toMatchObject([{ state: 'firing' }]);
    expect((await received('dead_letters', queue, 1)).pd[0]).toMatchObject({ event_action: 'trigger' });

    const other = `test-queue-${tag()}`;
    await sql().query(`insert into dead_letters (queue, message_id, body, attempts) values ($1, $2, '{}'::jsonb, 3)`, [
      other,
      crypto.randomUUID(),
    ]);
    await evaluate(infra, new Date(), rules);
    await sql().query('update dead_letters set replayed_at = now() where queue = $1', [other]);
    await evaluate(infra, new Date(), rules);
    expect(await alertOf('dead_letters', other)).toMatchObject([{ state: 'resolved', fired_at: null }]);
    expect(await providerRequests('pagerduty', alertDedupKey('dead_letters', other))).toEqual([]);
  });

  it('retries a delivery the receiver refuses for now (429, 503) until it is taken', async () => {
    const queue = `test-queue-${tag()}`;
    const key = alertDedupKey('dead_letters', queue);
    await scriptProvider(key, ['pagerduty-429', 'pagerduty-202']);
    await sql().query(`insert into dead_letters (queue, message_id, body, attempts) values ($1, $2, '{}'::jsonb, 3)`, [
      queue,
      crypto.randomUUID(),
    ]);
    await evaluate(new InfrastructureAlerts());
    const { pd } = await received('dead_letters', queue, 2);
    expect(pd.map((e) => e.event_action)).toEqual(['trigger', 'trigger']);
  });

  it('postgres_unreachable and circuit_open: kept in memory while Postgres is down, written once it is back', async () => {
    const infra = new InfrastructureAlerts();
    const t0 = new Date();
    await relayFaults({ down: true });
    try {
      // Five outages in a row open the api's circuit breaker (resilience/database-breaker.ts).
      for (let i = 0; i < 5; i++)
        await withFreshDatabase((db) => db.$primary.execute('select 1')).catch(() => undefined);
      await withFreshDatabase((db) => evaluate(infra, t0, FIRE_AT_ONCE, db));
      // circuit_open fires at once; postgres_unreachable waits its default minute.
      expect(
        infra
          .active()
          .map((a) => [a.rule, a.state])
          .sort(),
      ).toEqual([
        ['circuit_open', 'firing'],
        ['postgres_unreachable', 'pending'],
      ]);
      await withFreshDatabase((db) => evaluate(infra, new Date(t0.getTime() + 61_000), FIRE_AT_ONCE, db));
      expect(infra.active().find((a) => a.rule === 'postgres_unreachable')?.state).toBe('firing');
    } finally {
      await relayFaults({ down: false });
    }
    await received('postgres_unreachable', 'database', 1);
    await received('circuit_open', 'database', 1);
    // The breaker lets a trial call through after its cooldown (2 s in the tests): that call closes it.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await withFreshDatabase((db) => evaluate(infra, new Date(t0.getTime() + 180_000), FIRE_AT_ONCE, db));
    expect(infra.active()).toEqual([]);
    const { pd } = await received('postgres_unreachable', 'database', 2);
    expect(pd.at(-1)).toMatchObject({ event_action: 'resolve' });
    await received('circuit_open', 'database', 2);
    expect((await alertOf('postgres_unreachable', 'database')).at(-1)).toMatchObject({ state: 'resolved' });
    expect((await alertOf('circuit_open', 'database')).at(-1)).toMatchObject({ state: 'resolved' });
  });
});
