/**
 * The web app's server-rendered pages (workers/api/src/web), in-process through the real app with the worker's
 * bindings: status, the content that must be readable without JavaScript, caching headers, forms and the 404
 * page. The browser behaviour (live bars, reconnects) is tested by `npm run test:e2e`.
 */

import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createShow, eventually, signUp, signUpAs } from './support';
import { addAndVote, app, cookie, form, page } from './web-support';

/** The page's text without tags, scripts removed: what a reader without JavaScript gets. */
async function readable(res: Response): Promise<string> {
  const html = await res.text();
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}

describe('web pages', () => {
  it('home page: a complete HTML document with the search box and trending sections', async () => {
    const res = await page('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/text\/html/);
    expect(res.headers.get('Content-Security-Policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<label for="site-search"[^>]*>Search artists, shows and venues<\/label>/);
    expect(html).toContain('id="trending-shows"');
    expect(html).toContain('id="trending-artists"');
    expect(html).toContain('<script type="module" src="/static/search.js"></script>');
  });

  it('show page: the predicted setlist with live counts and my votes is in the HTML itself', async () => {
    const { show, songs, artist, venue } = await createShow({ songs: 3 });
    const fan = await signUp();
    const setlistSongId = await addAndVote(show.id, songs[1]!.id, fan.token);

    const anonymous = await page(`/shows/${show.slug}`);
    expect(anonymous.status).toBe(200);
    const text = await readable(anonymous.clone());
    expect(text).toContain(artist.name);
    expect(text).toContain(venue.name);
    expect(text).toContain(songs[1]!.title);
    expect(text).toContain('1 votes');
    expect(text).toContain('Voting is open');
    expect(text).toContain('Log in to vote');
    const html = await anonymous.text();
    expect(html).toContain(`data-id="${setlistSongId}" data-votes="1"`);
    expect(html).toContain('aria-live="polite"');
    expect(html).toContain('<script type="module" src="/static/show.js"></script>');
    // The client script's data: JSON that cannot end the script element early.
    expect(html).toMatch(/<script type="application\/json" id="page-data">\{"showId":"[0-9a-f-]+"/);

    const signedIn = await (await page(`/shows/${show.slug}`, { headers: cookie(fan.token) })).text();
    expect(signedIn).toContain(`<li class="song mine" data-id="${setlistSongId}"`);
    expect(signedIn).toContain('aria-pressed="true"');
    expect(signedIn).toContain('id="add-song-input"');
  });

  it('artist and venue pages: photo, genres, follow button, shows and catalogue', async () => {
    const { show, songs, artist, venue } = await createShow({ songs: 2 });
    const anonymous = await readable(await page(`/artists/${artist.slug}`));
    expect(anonymous).toContain(artist.name);
    expect(anonymous).toContain('rock');
    expect(anonymous).toContain('Upcoming shows');
    expect(anonymous).toContain(songs[0]!.title);
    expect(anonymous).toContain('Log in to follow');

    const fan = await signUp();
    const follow = await page(`/artists/${artist.slug}/follow`, form({ follow: 'true' }, cookie(fan.token)));
    expect(follow.status).toBe(303);
    expect(follow.headers.get('Location')).toMatch(new RegExp(`^/artists/${artist.slug}\\?notice=`));
    const following = await (await page(`/artists/${artist.slug}`, { headers: cookie(fan.token) })).text();
    expect(following).toContain('Following ✓');
    const feed = await readable(await page('/feed', { headers: cookie(fan.token) }));
    expect(feed).toContain(venue.name);

    const venuePage = await page(`/venues/${venue.slug}`);
    expect(venuePage.status).toBe(200);
    const venueHtml = await venuePage.text();
    expect(venueHtml).toContain(`href="/shows/${show.slug}"`);
  });

  it('search results page', async () => {
    const { artist } = await createShow();
    const res = await page(`/search?q=${encodeURIComponent(artist.name)}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`href="/artists/${artist.slug}"`);
    expect((await page('/search?q=' + 'x'.repeat(200))).status).toBe(400);
  });

  it('anonymous public pages are shared through the response cache; signed-in ones never are', async () => {
    const { artist } = await createShow();
    const anonymous = await page(`/artists/${artist.slug}`);
    // The tests run without a freshness window: stored, revalidated every time.
    expect(anonymous.headers.get('Cache-Control')).toBe('public, no-cache');
    expect(anonymous.headers.get('ETag')).toBeTruthy();
    expect(anonymous.headers.get('Vary')).toContain('Cookie');
    const again = await page(`/artists/${artist.slug}`, {
      headers: { 'If-None-Match': anonymous.headers.get('ETag')! },
    });
    expect(again.status).toBe(304);
    const fan = await signUp();
    const personal = await page(`/artists/${artist.slug}`, { headers: cookie(fan.token) });
    expect(personal.headers.get('Cache-Control')).toBe('private, no-store');
    expect((await page('/login')).headers.get('Cache-Control')).toBe('no-store');
  });

  it('404: an HTML page for browsers, the JSON error for API clients', async () => {
    const missingShow = await page('/shows/no-such-show-anywhere');
    expect(missingShow.status).toBe(404);
    expect(await missingShow.text()).toContain('Page not found');
    const unknown = await page('/no/such/page');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('Content-Type')).toMatch(/text\/html/);
    expect(await unknown.text()).toContain('<a href="/">Back to the home page</a>');
    const api = await page('/v1/no-such-route');
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const jsonClient = await page('/no/such/page', { headers: { Accept: 'application/json' } });
    expect(jsonClient.headers.get('Content-Type')).toMatch(/application\/json/);
  });

  it('log in through the form sets the session cookie; signed-in pages need it', async () => {
    const fan = await signUp();
    const anonymous = await page('/account');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('Location')).toBe('/login?next=%2Faccount');

    const wrong = await page('/login', form({ email: fan.user.email, password: 'wrong password', next: '/account' }));
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('The email or password is wrong.');

    const ok = await page('/login', form({ email: fan.user.email, password: fan.password, next: '/account' }));
    expect(ok.status).toBe(303);
    expect(ok.headers.get('Location')).toBe('/account');
    const setCookie = ok.headers.get('Set-Cookie') ?? '';
    expect(setCookie).toMatch(/^msl_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    const token = /^msl_session=([^;]+)/.exec(setCookie)![1]!;
    const account = await readable(await page('/account', { headers: cookie(token) }));
    expect(account).toContain(fan.user.email);
    expect(account).toContain('Where you are logged in');
    expect(account).toContain('This device');

    // Open redirects are refused: `next` must be a path on this site.
    const offsite = await page(
      '/login',
      form({ email: fan.user.email, password: fan.password, next: '//evil.example/' }),
    );
    expect(offsite.headers.get('Location')).toBe('/');
  });

  it('form posts from another origin are refused (CSRF)', async () => {
    const fan = await signUp();
    const res = await page(
      '/account/delete',
      form({ password: fan.password }, { ...cookie(fan.token), Origin: 'https://evil.example' }),
    );
    expect(res.status).toBe(403);
    expect((await page('/account', { headers: cookie(fan.token) })).status).toBe(200);
  });

  it('sign-up form: errors come back on the form; success signs in', async () => {
    const email = `web-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const weak = await page('/signup', form({ email, password: 'password12' }));
    expect(weak.status).toBe(400);
    const html = await weak.text();
    expect(html).toContain('most common');
    expect(html).toContain(`value="${email}"`);
    const ok = await page('/signup', form({ email, password: 'a decent passphrase 1', displayName: 'Web Fan' }));
    expect(ok.status).toBe(303);
    expect(ok.headers.get('Set-Cookie')).toMatch(/^msl_session=/);
  });

  it('moderators lock a room from the show page', async () => {
    const { show } = await createShow();
    const moderator = await signUpAs('moderator');
    const before = await (await page(`/shows/${show.slug}`, { headers: cookie(moderator.token) })).text();
    expect(before).toContain('Lock voting');
    const res = await page(`/shows/${show.slug}/lock`, form({ locked: 'true' }, cookie(moderator.token)));
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toContain('notice=Voting+is+locked');
    const after = await readable(await page(`/shows/${show.slug}`, { headers: cookie(moderator.token) }));
    expect(after).toContain('A moderator has locked voting');
    expect(after).toContain('Unlock voting');

    const fan = await signUp();
    const refused = await page(`/shows/${show.slug}/lock`, form({ locked: 'false' }, cookie(fan.token)));
    expect(refused.headers.get('Location')).toContain('error=');
    expect(await readable(await page(`/shows/${show.slug}`))).toContain('A moderator has locked voting');
  });

  it('account: data export downloads the JSON; deleting the account signs out', async () => {
    const fan = await signUp();
    const exported = await page('/account/export', { headers: cookie(fan.token) });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('Content-Disposition')).toContain('attachment');
    expect(((await exported.json()) as { profile: { email: string } }).profile.email).toBe(fan.user.email);

    const wrong = await page('/account/delete', form({ password: 'not it at all' }, cookie(fan.token)));
    expect(wrong.headers.get('Location')).toContain('/account?error=');
    const deleted = await page('/account/delete', form({ password: fan.password }, cookie(fan.token)));
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get('Location')).toMatch(/^\/\?notice=/);
    expect((await page('/account', { headers: cookie(fan.token) })).status).toBe(303);
  });

  it('actual setlist: a moderator marks songs played and finalises; the page shows the setlist and the score', async () => {
    const { show, songs } = await createShow({ songs: 3 });
    const fan = await signUp();
    const setlistSongId = await addAndVote(show.id, songs[0]!.id, fan.token);
    const moderator = await signUpAs('moderator');

    const form0 = await (await page(`/shows/${show.slug}`, { headers: cookie(moderator.token) })).text();
    expect(form0).toContain(`<option value="${songs[0]!.id}">${songs[0]!.title}</option>`);
    expect(
      (await page(`/shows/${show.slug}/played`, form({ songId: '' }, cookie(moderator.token)))).headers.get('Location'),
    ).toContain('error=');
    const marked = await page(`/shows/${show.slug}/played`, form({ songId: songs[0]!.id }, cookie(moderator.token)));
    expect(marked.headers.get('Location')).toContain('notice=');
    await page(`/shows/${show.slug}/played`, form({ title: 'A cover nobody expected' }, cookie(moderator.token)));

    const during = await (await page(`/shows/${show.slug}`, { headers: cookie(fan.token) })).text();
    expect(during).toContain('Played so far');
    expect(during).toMatch(new RegExp(`<li class="song mine played" data-id="${setlistSongId}"`));
    expect(during).toContain('played #1');
    expect(during).toContain('<li data-position="2">A cover nobody expected</li>');

    // A fan cannot mark songs: the API refuses, the page says so.
    const refused = await page(`/shows/${show.slug}/played`, form({ title: 'Nope' }, cookie(fan.token)));
    expect(refused.headers.get('Location')).toContain('error=');

    expect(
      (await page(`/shows/${show.slug}/finalize`, form({}, cookie(moderator.token)))).headers.get('Location'),
    ).toContain('notice=');
    const after = await readable(await page(`/shows/${show.slug}`));
    expect(after).toContain('Actual setlist');
    expect(after).toContain('How good was the prediction?');
    expect(after).toMatch(/Score \d+ \/ 100/);

    const board = await readable(await page('/leaderboard?period=all'));
    expect(board).toContain('Leaderboard');
    expect(board).toContain(fan.user.displayName);
  });

  it('ops and anomalies pages: staff only, server-rendered figures', async () => {
    const fan = await signUp();
    expect((await page('/ops', { headers: cookie(fan.token) })).status).toBe(403);
    expect((await page('/ops')).status).toBe(303);
    const moderator = await signUpAs('moderator');
    const ops = await page('/ops', { headers: cookie(moderator.token) });
    expect(ops.status).toBe(200);
    const html = await ops.text();
    for (const chart of ['votes', 'sockets', 'lag', 'errors']) expect(html).toContain(`id="chart-${chart}"`);
    expect(html).toContain('<script type="module" src="/static/ops.js"></script>');
    expect(html).toMatch(/<script type="application\/json" id="page-data">\{"at":"/);
    const anomalies = await page('/admin/anomalies', { headers: cookie(moderator.token) });
    expect(anomalies.status).toBe(200);
    expect(await anomalies.text()).toContain('Vote anomalies');
    const staff = await readable(await page('/admin', { headers: cookie(moderator.token) }));
    expect(staff).toContain('Operations');
  });

  it('inbox: an announcement of a followed artist shows up; mark read; notification settings save', async () => {
    const { artist, venue } = await createShow();
    const [fan, admin] = await Promise.all([signUp(), signUpAs('admin')]);
    expect((await page(`/artists/${artist.slug}/follow`, form({ follow: 'true' }, cookie(fan.token)))).status).toBe(
      303,
    );
    const created = await app.request(
      '/v1/admin/shows',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin.token}` },
        body: JSON.stringify({
          artistId: artist.id,
          venueId: venue.id,
          startsAt: new Date(Date.now() + 20 * 86_400_000).toISOString(),
        }),
      },
      env,
      createExecutionContext(),
    );
    expect(created.status).toBe(201);
    const inbox = await eventually(
      async () => {
        const html = await (await page('/inbox', { headers: cookie(fan.token) })).text();
        return html.includes('1 unread') ? html : undefined;
      },
      20_000,
      250,
    );
    expect(inbox).toContain(artist.name);
    const id = /action="\/inbox\/([0-9a-f-]+)\/read"/.exec(inbox)![1]!;
    expect((await page(`/inbox/${id}/read`, form({}, cookie(fan.token)))).headers.get('Location')).toBe('/inbox');
    expect(await readable(await page('/inbox', { headers: cookie(fan.token) }))).toContain('0 unread');

    const account = await (await page('/account', { headers: cookie(fan.token) })).text();
    expect(account).toContain('name="show_announced.email"');
    expect(account).toContain('<script type="module" src="/static/push.js"></script>');
    // Unchecked boxes are switched off: only in-app announcements stay on.
    const saved = await page(
      '/account/notifications',
      form(
        { 'show_announced.in_app': 'on', timeZone: 'Europe/Berlin', quietStart: '22:00', quietEnd: '07:00' },
        cookie(fan.token),
      ),
    );
    expect(saved.headers.get('Location')).toContain('notice=');
    const prefs = (await (
      await app.request(
        '/v1/me/notification-preferences',
        { headers: { Authorization: `Bearer ${fan.token}` } },
        env,
        createExecutionContext(),
      )
    ).json()) as { timeZone: string; quietHours: unknown; kinds: Record<string, Record<string, boolean>> };
    expect(prefs.timeZone).toBe('Europe/Berlin');
    expect(prefs.quietHours).toEqual({ start: '22:00', end: '07:00' });
    expect(prefs.kinds.show_announced).toMatchObject({ in_app: true, email: false, webpush: false });
    const bad = await page('/account/notifications', form({ timeZone: 'Mars/Olympus' }, cookie(fan.token)));
    expect(bad.headers.get('Location')).toContain('error=');
  });

  it('admin import: the form starts an import and its page shows the progress', async () => {
    const admin = await signUpAs('admin');
    const formPage = await page('/admin/imports', { headers: cookie(admin.token) });
    expect(formPage.status).toBe(200);
    expect(await formPage.text()).toContain('<label for="import-name">Artist name</label>');
    const refused = await page('/admin/imports', form({ artistName: '' }, cookie(admin.token)));
    expect(refused.headers.get('Location')).toContain('/admin/imports?error=');
    const started = await page('/admin/imports', form({ artistName: 'Web Import Test Band' }, cookie(admin.token)));
    expect(started.status).toBe(303);
    const location = started.headers.get('Location')!;
    expect(location).toMatch(/^\/admin\/imports\/[0-9a-f-]{36}$/);
    const progress = await page(location, { headers: cookie(admin.token) });
    expect(progress.status).toBe(200);
    const html = await progress.text();
    expect(html).toMatch(/id="import-progress" data-status="(queued|running|done|failed)"/);
    expect(html).toContain('<script type="module" src="/static/import.js"></script>');
    const moderator = await signUpAs('moderator');
    expect((await page('/admin/imports', { headers: cookie(moderator.token) })).status).toBe(403);
  });
});
