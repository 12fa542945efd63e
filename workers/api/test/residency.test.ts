/**
 * Per-fan residency (workers/api/src/residency): an EU fan's email, display name, password hash and sessions are
 * in the EU database (locally a second PGlite behind the same relay, DATABASE_URL_EU), and the primary keeps only
 * the pseudonymous row under the same id. Everything through the real api worker, the relay and both databases.
 */
import { env } from 'cloudflare:workers';
import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { CRONS } from '#shared/cron/schedule';
import { openDatabase, openHttpSql } from '#shared/db/client';
import { createLogger } from '#shared/log';
import { enqueueShowAnnounced } from '#shared/notifications/enqueue';
import { signUnsubscribeToken } from '#shared/notifications/unsubscribe-token';
import { API_CRON_JOBS } from '../src/cron/jobs';
import { browserSubscription, deliveriesOf, providerRequests, scriptProvider } from './notification-support';
import { showWithSong } from './setlist-support';
import { api, createShow, deleteAccount, errorOf, eventually, signUp, sql, testDb, uniqueEmail } from './support';

const euSql = () => openHttpSql({ ...env, DATABASE_URL: env.DATABASE_URL_EU });
const PASSWORD = 'correct horse battery';

async function signUpEu(body: Record<string, unknown> = {}, init: RequestInit = {}) {
  const email = uniqueEmail('eu-fan');
  const res = await api('/v1/auth/signup', {
    method: 'POST',
    body: JSON.stringify({ email, password: PASSWORD, displayName: 'Ana from Lisbon', ...body }),
    ...init,
  });
  expect(res.status).toBe(201);
  const created = (await res.json()) as { user: { id: string; email: string; displayName: string }; token: string };
  // Asked for the EU: the session is an EU one (its token says so), kept in the EU database.
  if (body.dataRegion === 'eu') expect(created.token.startsWith('eu.')).toBe(true);
  return { ...created, email };
}

/** The 6-digit code of `secret` `offset` 30 s steps from now, away from a step's edge (the caller waits for it). */
function totpAt(secret: string, offset: number, at: number): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: at + offset * 30_000,
  });
}

async function awayFromStepEdge(marginMs = 8_000): Promise<number> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
  return Date.now();
}

/** An EU fan with two-step verification on (enrolled and confirmed with the previous step's code). */
async function euFanWithMfa() {
  const fan = await signUpEu({ dataRegion: 'eu' });
  const enrolled = await api('/v1/me/mfa/enroll', { method: 'POST', token: fan.token, body: '{}' });
  expect(enrolled.status).toBe(200);
  const { secret } = (await enrolled.json()) as { secret: string };
  const t0 = await awayFromStepEdge();
  const confirmed = await api('/v1/me/mfa/confirm', {
    method: 'POST',
    token: fan.token,
    body: JSON.stringify({ code: totpAt(secret, -1, t0) }),
  });
  expect(confirmed.status).toBe(200);
  const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
  return { ...fan, secret, recoveryCodes, t0 };
}

async function mfaRowsOf(userId: string) {
  const count = (q: typeof sql, table: string) =>
    q()
      .query(`select count(*)::int as n from ${table} where user_id = $1`, [userId])
      .then((r) => r[0]!.n as number);
  const [primaryMfa, primaryCodes, euMfa, euCodes] = await Promise.all([
    count(sql, 'user_mfa'),
    count(sql, 'recovery_codes'),
    count(euSql, 'user_mfa'),
    count(euSql, 'recovery_codes'),
  ]);
  return { primaryMfa, primaryCodes, euMfa, euCodes };
}

async function whereIs(email: string, userId: string) {
  const [primaryByEmail, primaryRow, primarySessions, euUsers, euSessions] = await Promise.all([
    sql().query('select id from users where email = $1', [email]),
    sql().query('select email, display_name, password_hash, home_region, deleted_at from users where id = $1', [
      userId,
    ]),
    sql().query('select id from sessions where user_id = $1', [userId]),
    euSql().query('select id, email, display_name, home_region from users where email = $1', [email]),
    euSql().query('select id, ip from sessions where user_id = $1', [userId]),
  ]);
  return { primaryByEmail, primaryRow: primaryRow[0], primarySessions, euUsers, euSessions };
}

describe.skipIf(!env.DATABASE_URL_EU)('per-fan EU residency', () => {
  it("keeps an EU fan's email, name, password hash and sessions in the EU database, and none of it in the primary", async () => {
    const fan = await signUpEu({ dataRegion: 'eu' }, { headers: { 'CF-Connecting-IP': '192.0.2.7' } });
    expect(fan.user.email).toBe(fan.email);
    expect(fan.token.startsWith('eu.')).toBe(true);

    const at = await whereIs(fan.email, fan.user.id);
    expect(at.euUsers).toEqual([
      { id: fan.user.id, email: fan.email, display_name: 'Ana from Lisbon', home_region: 'eu' },
    ]);
    expect(at.euSessions).toEqual([{ id: expect.any(String), ip: '192.0.2.7' }]);
    expect(at.primaryByEmail).toEqual([]);
    expect(at.primarySessions).toEqual([]);
    expect(at.primaryRow).toEqual({
      email: `${fan.user.id}@eu.residency.invalid`,
      display_name: `Fan ${fan.user.id.slice(0, 8)}`,
      password_hash: '!',
      home_region: 'eu',
      deleted_at: null,
    });
    const leaked = await sql().query(
      "select count(*)::int as n from users where email = $1 or display_name = 'Ana from Lisbon'",
      [fan.email],
    );
    expect(leaked).toEqual([{ n: 0 }]);
  });

  it('a sign-up from an EU/EEA country is an EU fan without asking', async () => {
    const fan = await signUpEu({}, { cf: { country: 'PT' } } as RequestInit);
    expect(fan.token.startsWith('eu.')).toBe(true);
    expect((await whereIs(fan.email, fan.user.id)).primaryByEmail).toEqual([]);
  });

  it('an EU fan signs in, and the session lookup, /me and log-out follow them to the EU database', async () => {
    const fan = await signUpEu({ dataRegion: 'eu' });
    const me = await api('/v1/me', { token: fan.token });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: fan.user.id, email: fan.email, displayName: 'Ana from Lisbon' });

    const login = await api('/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: fan.email, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const session = (await login.json()) as { token: string; user: { id: string; email: string } };
    expect(session.user).toMatchObject({ id: fan.user.id, email: fan.email });
    expect(session.token.startsWith('eu.')).toBe(true);
    expect((await whereIs(fan.email, fan.user.id)).euSessions).toHaveLength(2);

    const wrong = await api('/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: fan.email, password: 'not the password' }),
    });
    expect(wrong.status).toBe(401);

    expect((await api('/v1/auth/logout', { method: 'POST', token: session.token })).status).toBe(204);
    expect((await api('/v1/me', { token: session.token })).status).toBe(401);
    expect((await whereIs(fan.email, fan.user.id)).euSessions).toHaveLength(1);
    expect((await api('/v1/me', { token: fan.token })).status).toBe(200);
  });

  it('one email, one account: taken in either database is 409 in the other', async () => {
    const eu = await signUpEu({ dataRegion: 'eu' });
    const again = await api('/v1/auth/signup', {
      method: 'POST',
      body: JSON.stringify({ email: eu.email, password: PASSWORD }),
    });
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('email_taken');

    const here = await signUp();
    const there = await api('/v1/auth/signup', {
      method: 'POST',
      body: JSON.stringify({ email: here.user.email, password: PASSWORD, dataRegion: 'eu' }),
    });
    expect(there.status).toBe(409);
    expect(await euSql().query('select id from users where email = $1', [here.user.email])).toEqual([]);
  });

  it('a fan outside the EU stays in the primary', async () => {
    const fan = await signUp();
    expect(fan.token.startsWith('eu.')).toBe(false);
    const at = await whereIs(fan.user.email, fan.user.id);
    expect(at.primaryByEmail).toEqual([{ id: fan.user.id }]);
    expect(at.primarySessions).toHaveLength(1);
    expect(at.euUsers).toEqual([]);
  });

  it('an EU fan votes like anyone: the votes reference the pseudonymous id in the primary', async () => {
    const { show, setlistSongId } = await showWithSong();
    const fan = await signUpEu({ dataRegion: 'eu' });
    const res = await api(`/v1/shows/${show.id}/votes`, {
      method: 'POST',
      token: fan.token,
      body: JSON.stringify({ setlistSongId, voteId: crypto.randomUUID() }),
    });
    expect(res.status).toBe(201);
  });

  it("an EU fan's export has their profile and sessions from the EU database", async () => {
    const fan = await signUpEu({ dataRegion: 'eu' });
    expect((await whereIs(fan.email, fan.user.id)).primaryByEmail).toEqual([]);
    const res = await api('/v1/me/export', { token: fan.token });
    expect(res.status).toBe(200);
    const data = (await res.json()) as { profile: { email: string; displayName: string }; sessions: unknown[] };
    expect(data.profile).toMatchObject({ email: fan.email, displayName: 'Ana from Lisbon' });
    expect(data.sessions).toHaveLength(1);
  });

  it("erasing an EU fan's account removes it from the EU database and anonymises the primary's row", async () => {
    const fan = await signUpEu({ dataRegion: 'eu' });
    expect((await whereIs(fan.email, fan.user.id)).euUsers).toHaveLength(1);
    const wrong = await deleteAccount(fan.token, 'nope');
    expect(wrong.status).toBe(401);
    const res = await deleteAccount(fan.token, PASSWORD);
    expect(res.status).toBe(204);
    const at = await whereIs(fan.email, fan.user.id);
    expect(at.euUsers).toEqual([]);
    expect(at.euSessions).toEqual([]);
    expect(at.primaryRow).toMatchObject({
      email: `deleted-${fan.user.id}@deleted.invalid`,
      deleted_at: expect.anything(),
    });
    expect((await api('/v1/me', { token: fan.token })).status).toBe(401);
  });

  it("an EU fan's email goes to their address in the EU database, never to the primary's pseudonym", async () => {
    const { artist, show } = await createShow();
    const fan = await signUpEu({ dataRegion: 'eu' });
    expect((await api(`/v1/me/follows/${artist.id}`, { method: 'PUT', token: fan.token })).status).toBeLessThan(300);
    const { eventId } = await enqueueShowAnnounced(testDb(), env.NOTIFICATIONS, show.id);
    const email = await eventually(async () => {
      const row = (await deliveriesOf(eventId)).find((r) => r.user_id === fan.user.id && r.channel === 'email');
      return row && !['queued', 'sending', 'retrying'].includes(row.status) ? row : undefined;
    }, 20_000);
    expect(email).toMatchObject({ status: 'sent' });
    const sent = await providerRequests('email', fan.email);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toContain(fan.email);
    expect(sent[0]!.body).not.toContain('.invalid');
  });

  it("an EU fan's own sessions and password change are in the EU database", async () => {
    const fan = await signUpEu({ dataRegion: 'eu' });
    const login = await api('/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: fan.email, password: PASSWORD }),
    });
    const other = (await login.json()) as { token: string };
    const list = await api('/v1/me/sessions', { token: fan.token });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(2);

    const changed = await api('/v1/me/password', {
      method: 'POST',
      token: fan.token,
      body: JSON.stringify({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' }),
    });
    expect(changed.status).toBe(204);
    expect((await api('/v1/me', { token: other.token })).status).toBe(401);
    expect((await whereIs(fan.email, fan.user.id)).euSessions).toHaveLength(1);
    const relogin = await api('/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: fan.email, password: 'a brand new passphrase' }),
    });
    expect(relogin.status).toBe(200);
    expect((await whereIs(fan.email, fan.user.id)).primaryRow).toMatchObject({ password_hash: '!' });

    const revoked = await api('/v1/me/sessions?includeCurrent=true', { method: 'DELETE', token: fan.token });
    expect(await revoked.json()).toEqual({ revoked: 2 });
    expect((await whereIs(fan.email, fan.user.id)).euSessions).toEqual([]);
  });

  it('the hourly cron removes expired sessions from the EU database too', async () => {
    const fan = await signUpEu({ dataRegion: 'eu' });
    await euSql().query("update sessions set expires_at = now() - interval '1 minute' where user_id = $1", [
      fan.user.id,
    ]);
    const job = API_CRON_JOBS[CRONS['mysetlist-api'].hourly]!.find((j) => j.name === 'expired sessions')!;
    const handle = openDatabase(env);
    try {
      const log = createLogger({ service: 'test' }, { level: 'error' });
      const result = await job.run({ db: handle.db, env, log, scheduledTime: new Date(), fetch });
      expect(result).toMatchObject({ removedEu: expect.any(Number) });
    } finally {
      await handle.close();
    }
    expect((await whereIs(fan.email, fan.user.id)).euSessions).toEqual([]);
  });

  it('an EU-looking token that is not a session is 401, never a 5xx', async () => {
    expect((await api('/v1/me', { token: `eu.${'x'.repeat(43)}` })).status).toBe(401);
    expect((await api('/v1/me', { token: 'eu.short' })).status).toBe(401);
  });

  it("keeps an EU fan's two-step verification in the EU database, and the TOTP log-in, export and disabling use it", async () => {
    const fan = await euFanWithMfa();
    expect(await mfaRowsOf(fan.user.id)).toEqual({ primaryMfa: 0, primaryCodes: 0, euMfa: 1, euCodes: 10 });
    const status = await api('/v1/me/mfa', { token: fan.token });
    expect(await status.json()).toEqual({ enabled: true, recoveryCodesLeft: 10 });

    const login = (extra: Record<string, string>) =>
      api('/v1/auth/login', {
        method: 'POST',
        body: JSON.stringify({ email: fan.email, password: PASSWORD, ...extra }),
      });
    const without = await login({});
    expect(without.status).toBe(401);
    expect((await errorOf(without)).code).toBe('mfa_required');
    const withTotp = await login({ totp: totpAt(fan.secret, 0, fan.t0) });
    expect(withTotp.status).toBe(200);
    expect(((await withTotp.json()) as { token: string }).token.startsWith('eu.')).toBe(true);
    const replayed = await login({ totp: totpAt(fan.secret, 0, fan.t0) });
    expect((await errorOf(replayed)).code).toBe('invalid_mfa_code');
    expect((await login({ recoveryCode: fan.recoveryCodes[0]! })).status).toBe(200);
    expect(
      await euSql().query('select count(*)::int as n from recovery_codes where user_id = $1 and used_at is not null', [
        fan.user.id,
      ]),
    ).toEqual([{ n: 1 }]);

    const exported = await api('/v1/me/export', { token: fan.token });
    expect(((await exported.json()) as { mfa: unknown }).mfa).toEqual({ enabled: true });

    const disabled = await api('/v1/me/mfa/disable', {
      method: 'POST',
      token: fan.token,
      body: JSON.stringify({ code: fan.recoveryCodes[1] }),
    });
    expect(disabled.status).toBe(204);
    expect(await mfaRowsOf(fan.user.id)).toEqual({ primaryMfa: 0, primaryCodes: 0, euMfa: 0, euCodes: 0 });
    expect((await login({})).status).toBe(200);
  });

  it("an EU fan's MFA left in the primary from before moves to the EU database and stays on", async () => {
    const fan = await euFanWithMfa();
    // As it was before MFA moved: the rows in the primary, none in the EU database.
    const [mfa] = await euSql().query(
      'select user_id, secret_ciphertext, enabled_at, created_at from user_mfa where user_id = $1',
      [fan.user.id],
    );
    const codes = await euSql().query(
      'select id, user_id, code_hash, used_at, created_at from recovery_codes where user_id = $1',
      [fan.user.id],
    );
    await sql().query(
      'insert into user_mfa (user_id, secret_ciphertext, enabled_at, created_at) values ($1, $2, $3, $4)',
      [mfa!.user_id, mfa!.secret_ciphertext, mfa!.enabled_at, mfa!.created_at],
    );
    for (const c of codes)
      await sql().query(
        'insert into recovery_codes (id, user_id, code_hash, used_at, created_at) values ($1, $2, $3, $4, $5)',
        [c.id, c.user_id, c.code_hash, c.used_at, c.created_at],
      );
    await euSql().query('delete from recovery_codes where user_id = $1', [fan.user.id]);
    await euSql().query('delete from user_mfa where user_id = $1', [fan.user.id]);
    expect(await mfaRowsOf(fan.user.id)).toEqual({ primaryMfa: 1, primaryCodes: 10, euMfa: 0, euCodes: 0 });

    const without = await api('/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: fan.email, password: PASSWORD }),
    });
    expect((await errorOf(without)).code).toBe('mfa_required');
    expect(await mfaRowsOf(fan.user.id)).toEqual({ primaryMfa: 0, primaryCodes: 0, euMfa: 1, euCodes: 10 });
    const withTotp = await api('/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: fan.email, password: PASSWORD, totp: totpAt(fan.secret, 0, fan.t0) }),
    });
    expect(withTotp.status).toBe(200);
  });

  it("erasing an EU fan's account removes their MFA, push devices and notification settings from the EU database", async () => {
    const fan = await euFanWithMfa();
    expect(await mfaRowsOf(fan.user.id)).toMatchObject({ primaryMfa: 0, euMfa: 1 });
    const device = await browserSubscription();
    await api('/v1/me/push-subscriptions', { method: 'POST', token: fan.token, body: JSON.stringify(device) });
    await api('/v1/me/notification-preferences', {
      method: 'PUT',
      token: fan.token,
      body: JSON.stringify({ timeZone: 'Europe/Madrid', kinds: { voting_open: { fcm: false } } }),
    });
    const personalRows = async () =>
      euSql().query(
        `select (select count(*) from push_subscriptions where user_id = $1)::int as push,
                (select count(*) from notification_settings where user_id = $1)::int as settings,
                (select count(*) from notification_preferences where user_id = $1)::int as switches`,
        [fan.user.id],
      );
    expect(await personalRows()).toEqual([{ push: 1, settings: 1, switches: 1 }]);
    const res = await api('/v1/me', {
      method: 'DELETE',
      token: fan.token,
      body: JSON.stringify({ password: PASSWORD, recoveryCode: fan.recoveryCodes[0] }),
    });
    expect(res.status).toBe(204);
    expect(await mfaRowsOf(fan.user.id)).toEqual({ primaryMfa: 0, primaryCodes: 0, euMfa: 0, euCodes: 0 });
    expect(await personalRows()).toEqual([{ push: 0, settings: 0, switches: 0 }]);
    expect((await whereIs(fan.email, fan.user.id)).euUsers).toEqual([]);
  });

  it("keeps an EU fan's push devices in the EU database, and pushes reach them from there", async () => {
    const { artist, show } = await createShow();
    const fan = await signUpEu({ dataRegion: 'eu' });
    expect((await api(`/v1/me/follows/${artist.id}`, { method: 'PUT', token: fan.token })).status).toBeLessThan(300);
    const browser = await browserSubscription();
    const registered = await api('/v1/me/push-subscriptions', {
      method: 'POST',
      token: fan.token,
      body: JSON.stringify(browser),
    });
    expect(registered.status).toBe(201);
    const devicesIn = async (q: () => ReturnType<typeof sql>) =>
      q().query('select endpoint from push_subscriptions where user_id = $1', [fan.user.id]);
    expect(await devicesIn(euSql)).toEqual([{ endpoint: browser.endpoint }]);
    expect(await devicesIn(sql)).toEqual([]);

    const announce = async (showId: string) => {
      const { eventId } = await enqueueShowAnnounced(testDb(), env.NOTIFICATIONS, showId);
      return eventually(async () => {
        const row = (await deliveriesOf(eventId)).find((r) => r.user_id === fan.user.id && r.channel === 'webpush');
        return row && !['queued', 'sending', 'retrying'].includes(row.status) ? row : undefined;
      }, 20_000);
    };
    expect(await announce(show.id)).toMatchObject({ status: 'sent' });
    expect(await providerRequests('webpush', browser.endpoint)).toHaveLength(1);

    // A device the push service reports gone is removed from the EU database.
    const next = await createShow();
    expect((await api(`/v1/me/follows/${next.artist.id}`, { method: 'PUT', token: fan.token })).status).toBeLessThan(
      300,
    );
    await scriptProvider(browser.endpoint, ['webpush-410']);
    expect(await announce(next.show.id)).toMatchObject({ status: 'failed' });
    expect(await devicesIn(euSql)).toEqual([]);
  });

  it('registering a browser again moves it between a fan in the primary and an EU fan, and an EU fan removes their own', async () => {
    const browser = await browserSubscription();
    const here = await signUp();
    const fan = await signUpEu({ dataRegion: 'eu' });
    const register = (token: string) =>
      api('/v1/me/push-subscriptions', { method: 'POST', token, body: JSON.stringify(browser) });
    const where = async () => ({
      primary: await sql().query('select user_id from push_subscriptions where endpoint = $1', [browser.endpoint]),
      eu: await euSql().query('select user_id from push_subscriptions where endpoint = $1', [browser.endpoint]),
    });
    expect((await register(here.token)).status).toBe(201);
    const moved = await register(fan.token);
    expect(moved.status).toBe(201);
    expect(await where()).toEqual({ primary: [], eu: [{ user_id: fan.user.id }] });
    const { id } = (await moved.json()) as { id: string };
    expect((await api(`/v1/me/push-subscriptions/${id}`, { method: 'DELETE', token: fan.token })).status).toBe(204);
    expect(await where()).toEqual({ primary: [], eu: [] });
  });

  it("keeps an EU fan's notification settings and switches in the EU database, and the pipeline follows them", async () => {
    const { artist, show } = await createShow();
    const fan = await signUpEu({ dataRegion: 'eu' });
    expect((await api(`/v1/me/follows/${artist.id}`, { method: 'PUT', token: fan.token })).status).toBeLessThan(300);
    const put = await api('/v1/me/notification-preferences', {
      method: 'PUT',
      token: fan.token,
      body: JSON.stringify({
        locale: 'pt',
        timeZone: 'Europe/Lisbon',
        quietHours: { start: '23:00', end: '07:00' },
        kinds: { show_announced: { email: false } },
      }),
    });
    expect(put.status).toBe(200);
    const rowsIn = async (q: () => ReturnType<typeof sql>) => ({
      settings: await q().query('select locale, time_zone from notification_settings where user_id = $1', [
        fan.user.id,
      ]),
      switches: await q().query('select kind, channel, enabled from notification_preferences where user_id = $1', [
        fan.user.id,
      ]),
    });
    expect(await rowsIn(euSql)).toEqual({
      settings: [{ locale: 'pt', time_zone: 'Europe/Lisbon' }],
      switches: [{ kind: 'show_announced', channel: 'email', enabled: false }],
    });
    expect(await rowsIn(sql)).toEqual({ settings: [], switches: [] });
    const read = (await (await api('/v1/me/notification-preferences', { token: fan.token })).json()) as {
      timeZone: string;
      kinds: { show_announced: { email: boolean } };
    };
    expect(read).toMatchObject({ timeZone: 'Europe/Lisbon', kinds: { show_announced: { email: false } } });

    // The consumer reads the switch in the EU database: the inbox gets the announcement, the email is never planned.
    const { eventId } = await enqueueShowAnnounced(testDb(), env.NOTIFICATIONS, show.id);
    const mine = await eventually(async () => {
      const rows = (await deliveriesOf(eventId)).filter((r) => r.user_id === fan.user.id);
      return rows.length ? rows : undefined;
    }, 20_000);
    expect(mine.map((r) => r.channel)).toEqual(['in_app']);

    // An unsubscribe link writes there too.
    const token = await signUnsubscribeToken(env.UNSUBSCRIBE_SIGNING_KEY, {
      u: fan.user.id,
      k: 'voting_open',
      c: 'webpush',
    });
    expect((await api(`/v1/unsubscribe?token=${token}`, { method: 'POST' })).status).toBe(200);
    expect((await rowsIn(euSql)).switches).toContainEqual({ kind: 'voting_open', channel: 'webpush', enabled: false });
    expect((await rowsIn(sql)).switches).toEqual([]);
  });

  it("an EU fan's switches left in the primary from before still count, and move to the EU database on a change", async () => {
    const fan = await signUpEu({ dataRegion: 'eu' });
    await sql().query(
      "insert into notification_preferences (user_id, kind, channel, enabled) values ($1, 'show_announced', 'email', false)",
      [fan.user.id],
    );
    const get = async () =>
      (await (await api('/v1/me/notification-preferences', { token: fan.token })).json()) as {
        timeZone: string;
        kinds: { show_announced: { email: boolean } };
      };
    expect((await get()).kinds.show_announced.email).toBe(false);
    const put = await api('/v1/me/notification-preferences', {
      method: 'PUT',
      token: fan.token,
      body: JSON.stringify({ timeZone: 'Europe/Paris' }),
    });
    expect(put.status).toBe(200);
    expect(await get()).toMatchObject({ timeZone: 'Europe/Paris', kinds: { show_announced: { email: false } } });
    expect(await sql().query('select kind from notification_preferences where user_id = $1', [fan.user.id])).toEqual(
      [],
    );
    expect(
      await euSql().query('select kind, channel, enabled from notification_preferences where user_id = $1', [
        fan.user.id,
      ]),
    ).toEqual([{ kind: 'show_announced', channel: 'email', enabled: false }]);
  });
});
