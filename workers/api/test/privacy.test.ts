import { TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { addSong, castVote } from './setlist-support';
import { api, createShow, deleteAccount, errorOf, eventually, signUp, sql } from './support';

async function fanWithActivity() {
  const { show, songs, artist } = await createShow();
  const fan = await signUp({ displayName: 'Ada Example' });
  const other = await signUp();
  await sql().query('insert into follows (user_id, artist_id) values ($1, $2)', [fan.user.id, artist.id]);
  const setlistSongId = await addSong(show.id, songs[0]!.id, fan.token);
  for (const voter of [fan, other]) {
    expect((await castVote(show.id, setlistSongId, voter.token)).status).toBe(201);
  }
  // Wait until the votes are in Postgres, so that the export can show them.
  await eventually(async () => {
    const rows = (await sql().query('select count(*)::int as n from votes where setlist_song_id = $1', [
      setlistSongId,
    ])) as { n: number }[];
    return rows[0]!.n === 2 ? true : undefined;
  });
  return { show, artist, fan, other, setlistSongId };
}

describe('privacy rights', () => {
  it('exports my profile, sessions, votes, additions and follows', async () => {
    const { show, artist, fan, setlistSongId } = await fanWithActivity();
    const res = await api('/v1/me/export', { token: fan.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Disposition')).toContain('attachment');
    const data = (await res.json()) as Record<string, unknown> & { votes: { setlistSongId: string; showId: string }[] };
    expect(data.profile).toMatchObject({ id: fan.user.id, email: fan.user.email, displayName: 'Ada Example' });
    expect(data.sessions).toHaveLength(1);
    expect(data.votes).toEqual([expect.objectContaining({ setlistSongId, showId: show.id, active: true })]);
    expect(data.setlistAdditions).toEqual([expect.objectContaining({ setlistSongId, showId: show.id })]);
    expect(data.follows).toEqual([expect.objectContaining({ artistId: artist.id, artistName: artist.name })]);
    expect(data.mfa).toEqual({ enabled: false });
    // Nothing secret leaks into an export.
    expect(JSON.stringify(data)).not.toMatch(/pbkdf2|token_hash|tokenHash|passwordHash/);
  });

  it('deletes my personal data everywhere and keeps every tally', async () => {
    const { show, fan, setlistSongId } = await fanWithActivity();
    const wrong = await deleteAccount(fan.token, 'not my password');
    expect(wrong.status).toBe(401);

    const res = await deleteAccount(fan.token, fan.password);
    expect(res.status).toBe(204);

    // Signed out everywhere, and the account cannot be used again.
    expect((await api('/v1/me', { token: fan.token })).status).toBe(401);
    const login = await api('/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: fan.user.email, password: fan.password }),
    });
    expect(login.status).toBe(401);

    // No personal data left in Postgres.
    const [user] = (await sql().query(
      'select email, display_name, password_hash, deleted_at from users where id = $1',
      [fan.user.id],
    )) as Record<string, unknown>[];
    expect(user).toMatchObject({ display_name: 'Deleted fan', password_hash: '!' });
    expect(user!.email).not.toContain(fan.user.email.split('@')[0]!);
    expect(user!.deleted_at).not.toBeNull();
    for (const table of ['sessions', 'follows', 'notifications', 'user_mfa', 'recovery_codes']) {
      const rows = (await sql().query(`select count(*)::int as n from ${table} where user_id = $1`, [fan.user.id])) as {
        n: number;
      }[];
      expect(rows[0]!.n, table).toBe(0);
    }
    const added = (await sql().query('select added_by from setlist_songs where id = $1', [setlistSongId])) as {
      added_by: string | null;
    }[];
    expect(added[0]!.added_by).toBeNull();

    // The same tallies in Postgres and in the room; the deletion itself is audited.
    const tally = (await sql().query('select vote_count from setlist_songs where id = $1', [setlistSongId])) as {
      vote_count: number;
    }[];
    expect(tally[0]!.vote_count).toBe(2);
    const room = (await (await api(`/v1/shows/${show.id}/setlist`)).json()) as {
      songs: { setlistSongId: string; votes: number }[];
    };
    expect(room.songs.find((s) => s.setlistSongId === setlistSongId)!.votes).toBe(2);
    const audit = (await sql().query(`select action from audit_log where actor_id = $1`, [fan.user.id])) as {
      action: string;
    }[];
    expect(audit.map((a) => a.action)).toContain('account.delete');
  });

  it('drops notifications queued for a deleted account', async () => {
    const fan = await signUp();
    const del = await deleteAccount(fan.token, fan.password);
    expect(del.status).toBe(204);
    const { env } = await import('cloudflare:workers');
    const marker = await signUp();
    const eventId = crypto.randomUUID();
    await env.NOTIFICATIONS.send(
      { v: 1, eventId, kind: 'show_announced', userIds: [fan.user.id, marker.user.id], data: {} },
      { contentType: 'json' },
    );
    const rows = await eventually(async () => {
      const found = (await sql().query('select user_id from notifications where event_id = $1', [eventId])) as {
        user_id: string;
      }[];
      return found.length ? found : undefined;
    });
    expect(rows.map((r) => r.user_id)).toEqual([marker.user.id]);
  });

  it('requires the password (and the second factor when enabled) to delete', async () => {
    const fan = await signUp();
    const res = await api('/v1/me', { method: 'DELETE', token: fan.token, body: JSON.stringify({}) });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('validation_failed');
    expect((await api('/v1/me', { method: 'DELETE', body: JSON.stringify({ password: 'x' }) })).status).toBe(401);
  });

  it('with two-step verification on, asks for a code and accepts a recovery code', async () => {
    const fan = await signUp();
    const { secret } = (await (await api('/v1/me/mfa/enroll', { method: 'POST', token: fan.token })).json()) as {
      secret: string;
    };
    const code = new TOTP({ secret, algorithm: 'SHA1', digits: 6, period: 30 }).generate();
    const confirmed = await api('/v1/me/mfa/confirm', {
      method: 'POST',
      token: fan.token,
      body: JSON.stringify({ code }),
    });
    expect(confirmed.status).toBe(200);
    const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };

    const noCode = await deleteAccount(fan.token, fan.password);
    expect(noCode.status).toBe(401);
    expect((await errorOf(noCode)).code).toBe('mfa_required');
    const badCode = await deleteAccount(fan.token, fan.password, { recoveryCode: 'aaaa-bbbb-cccc' });
    expect((await errorOf(badCode)).code).toBe('invalid_mfa_code');
    const ok = await deleteAccount(fan.token, fan.password, { recoveryCode: recoveryCodes[0] });
    expect(ok.status).toBe(204);
  });
});
