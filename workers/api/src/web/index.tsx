/**
 * The fan web app: server-rendered pages (hono/jsx) on the api worker, readable without JavaScript; small
 * client scripts (workers/api/client, bundled by scripts/api-assets.ts) add the live parts. Every page reads
 * and writes through the public `/v1` API, in-process (internal-api.ts). Public pages are cached like the API's
 * anonymous reads (the response-cache middleware); signed-in pages never are. Forms post here and are checked
 * for a same-origin `Origin` (CSRF), then redirect (POST → 303 → GET). docs/web.md describes it.
 */
import { Hono } from 'hono';
import { csrf } from 'hono/csrf';
import type { AppEnv } from '../app-env';
import { responseCache } from '../middleware/response-cache';
import { ARTWORK_PATH, artworkSvg } from './artwork';
import { formBodyLimit } from './form-body-limit';
import type { ApiFetch } from './internal-api';
import {
  accountPage,
  deleteAccountSubmit,
  endOtherSessionsSubmit,
  endSessionSubmit,
  exportDownload,
  mfaConfirmSubmit,
  mfaDisableSubmit,
  mfaEnrollSubmit,
} from './pages/account';
import { followSubmit, lockSubmit } from './pages/actions';
import { adminIndexPage, anomaliesPage, anomalyReviewSubmit } from './pages/admin';
import { logInPage, logInSubmit, logOutSubmit, signUpPage, signUpSubmit } from './pages/auth';
import { feedPage } from './pages/feed';
import { importFormPage, importStatusPage, importSubmit } from './pages/imports';
import { leaderboardPage } from './pages/leaderboard';
import { inboxPage, markAllReadSubmit, markReadSubmit, preferencesSubmit } from './pages/notifications';
import { opsPage } from './pages/ops';
import { artistPage, homePage, searchPage, venuePage } from './pages/public';
import { finalizeSubmit, markPlayedSubmit, undoPlayedSubmit } from './pages/setlist-actions';
import { showPage } from './pages/show';
import { type PageHandler, pageRoute } from './render';

export { notFoundPage, wantsPage } from './not-found';

export function createWebRoutes(fetchApi: ApiFetch) {
  const page = (handler: PageHandler) => pageRoute(fetchApi, handler);
  const sharedPage = (handler: PageHandler) => pageRoute(fetchApi, handler, { shared: true });
  // Anonymous page views are shared like the API's anonymous reads: L1 memory, L2 Cache API, ETag/304.
  const publicCache = responseCache({ contentType: 'text/html' });
  return (
    new Hono<AppEnv>()
      // Form posts must come from this site (Origin check). app.ts mounts these routes after /v1, so API
      // requests are answered before this middleware and keep their own rules (JSON bodies, CORS).
      .use('*', csrf())
      // Every form post has a body limit, like /v1 (form-body-limit.tsx).
      .use('*', formBodyLimit())
      .get('/', publicCache, sharedPage(homePage))
      // Generated artwork for the demo data (artwork.ts); the same slug always gives the same bytes.
      .get('/art/:file{[a-z0-9-]+\\.svg}', (c) => {
        const slug = c.req.param('file').slice(0, -'.svg'.length);
        if (slug.length > 120 || !ARTWORK_PATH.test(slug)) return c.notFound();
        return c.body(artworkSvg(slug), 200, {
          'Content-Type': 'image/svg+xml; charset=utf-8',
          'Cache-Control': 'public, max-age=604800, immutable',
          'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
        });
      })
      .get('/search', publicCache, sharedPage(searchPage))
      .get('/artists/:slug', publicCache, sharedPage(artistPage))
      .post('/artists/:slug/follow', page(followSubmit))
      .get('/venues/:slug', publicCache, sharedPage(venuePage))
      .get('/shows/:slug', publicCache, sharedPage(showPage))
      .post('/shows/:slug/lock', page(lockSubmit))
      .post('/shows/:slug/played', page(markPlayedSubmit))
      .post('/shows/:slug/played/undo', page(undoPlayedSubmit))
      .post('/shows/:slug/finalize', page(finalizeSubmit))
      .get('/leaderboard', publicCache, sharedPage(leaderboardPage))
      .get('/signup', page(signUpPage))
      .post('/signup', page(signUpSubmit))
      .get('/login', page(logInPage))
      .post('/login', page(logInSubmit))
      .post('/logout', page(logOutSubmit))
      .get('/account', page(accountPage))
      .post('/account/sessions/end-others', page(endOtherSessionsSubmit))
      .post('/account/sessions/:id/end', page(endSessionSubmit))
      .post('/account/mfa/enroll', page(mfaEnrollSubmit))
      .post('/account/mfa/confirm', page(mfaConfirmSubmit))
      .post('/account/mfa/disable', page(mfaDisableSubmit))
      .get('/account/export', page(exportDownload))
      .post('/account/delete', page(deleteAccountSubmit))
      .post('/account/notifications', page(preferencesSubmit))
      .get('/feed', page(feedPage))
      .get('/inbox', page(inboxPage))
      .post('/inbox/read-all', page(markAllReadSubmit))
      .post('/inbox/:id/read', page(markReadSubmit))
      .get('/admin', page(adminIndexPage))
      .get('/ops', page(opsPage))
      .get('/admin/imports', page(importFormPage))
      .post('/admin/imports', page(importSubmit))
      .get('/admin/imports/:id', page(importStatusPage))
      .get('/admin/anomalies', page(anomaliesPage))
      .post(
        '/admin/anomalies/:id/discount',
        page((p) => anomalyReviewSubmit(p, 'discount')),
      )
      .post(
        '/admin/anomalies/:id/restore',
        page((p) => anomalyReviewSubmit(p, 'restore')),
      )
  );
}
