import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { ApiError, errors } from '#shared/errors';
import { pushEndpointAllowed, pushServiceHosts } from '#shared/notifications/push-hosts';
import { verifyUnsubscribeToken } from '#shared/notifications/unsubscribe-token';
import { PageQuery } from '#shared/schemas/common';
import {
  InboxPage,
  NotificationPreferences,
  NotificationPreferencesUpdate,
  NotificationsMarked,
  PushSubscriptionCreate,
  PushSubscriptionRecord,
  UnsubscribeConfirmation,
  UnsubscribeResult,
  VapidPublicKey,
} from '#shared/schemas/notifications';
import { recordEvent } from '../analytics/record';
import type { AppEnv } from '../app-env';
import { json } from '../http/openapi';
import { route } from '../http/route';
import {
  markAllRead,
  markRead,
  readInbox,
  registerPushSubscription,
  removePushSubscription,
} from '../notifications/inbox';
import { readPreferences, unsubscribe, writePreferences } from '../notifications/preferences';
import { confirmUnsubscribePage, unsubscribedPage } from '../notifications/unsubscribe-page';
import { moveNotificationSettingsToEu } from '../residency/eu-preferences';
import { callerEuDatabase, personalDatabase } from '../residency/personal-database';

/** The optional `PUSH_SERVICE_HOSTS` var (src/shared/notifications/push-hosts.ts); not in wrangler.toml by default. */
const pushHostsOf = (env: Env) => (env as Env & { PUSH_SERVICE_HOSTS?: string }).PUSH_SERVICE_HOSTS;

const TAG = 'Notifications';
/** A JSON answer, or a page for browsers (`Accept: text/html`). */
const jsonOrHtml = <T>(description: string, schema: T) => ({
  description,
  content: { ...json(schema).content, 'text/html': { schema: z.string() } },
});
const IdParams = z.object({ id: z.uuid() });
const UnsubscribeQuery = z.object({
  token: z.string().min(1).max(1000).meta({ description: 'The signed token from the email link.' }),
});

/** Mark one read, mark all read, list the inbox (rendered in the reader's language), preferences, devices, unsubscribe. */
export const notificationRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/me/notifications',
      tag: TAG,
      summary: 'My in-app notifications, newest first, with the unread count',
      auth: 'fan',
      query: PageQuery,
      response: [200, 'A page of the inbox.', InboxPage],
      errors: [400, 422],
    }),
    async (c) => {
      const settingsDb = callerEuDatabase(c);
      return c.json(
        await readInbox(c.var.database.db.$primary, c.var.caller!.user.id, c.req.valid('query'), settingsDb),
        200,
      );
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/me/notifications/{id}/read',
      tag: TAG,
      summary: 'Mark one notification read (idempotent)',
      auth: 'fan',
      params: IdParams,
      response: [204, 'Read.'],
      errors: [400, 404],
    }),
    async (c) => {
      const read = await markRead(c.var.database.db.$primary, c.var.caller!.user.id, c.req.valid('param').id);
      if (read.outcome === 'missing') throw errors.notFound('notification');
      // Opening is counted once (analytics `notification_open`): only the read that sets read_at records it.
      if (read.outcome === 'opened') recordEvent(c, 'notification_open', { data: { kind: read.kind } });
      return c.body(null, 204);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/me/notifications/read-all',
      tag: TAG,
      summary: 'Mark every notification read',
      auth: 'fan',
      response: [200, 'How many were unread.', NotificationsMarked],
    }),
    async (c) => {
      const marked = await markAllRead(c.var.database.db.$primary, c.var.caller!.user.id);
      return c.json({ marked }, 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/me/notification-preferences',
      tag: TAG,
      summary: 'My language, time zone, quiet hours and kind × channel switches',
      auth: 'fan',
      response: [200, 'The preferences, defaults filled in.', NotificationPreferences],
    }),
    async (c) => {
      const eu = callerEuDatabase(c);
      const primary = c.var.database.db.$primary;
      return c.json(await readPreferences(eu ?? primary, c.var.caller!.user.id, eu ? primary : undefined), 200);
    },
  )
  .openapi(
    route({
      method: 'put',
      path: '/me/notification-preferences',
      tag: TAG,
      summary: 'Change my notification preferences (only the fields given)',
      auth: 'fan',
      body: NotificationPreferencesUpdate,
      response: [200, 'The preferences after the change.', NotificationPreferences],
      errors: [400],
    }),
    async (c) => {
      // An EU fan's preferences are kept in the EU database (residency/eu-preferences.ts).
      const eu = callerEuDatabase(c);
      const userId = c.var.caller!.user.id;
      if (eu) await moveNotificationSettingsToEu(c.var.database.db.$primary, eu, userId);
      const db = eu ?? c.var.database.db.$primary;
      await writePreferences(db, userId, c.req.valid('json'));
      return c.json(await readPreferences(db, userId), 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/me/push-subscriptions',
      tag: TAG,
      summary: 'Register a browser (Web Push subscription) or a mobile device (FCM token) for push',
      description:
        'A browser sends `{ "type": "webpush", ...PushSubscription.toJSON() }` (subscribe with the key from `GET /push/vapid-public-key`); an app sends `{ "type": "fcm", "token" }`. Registering an endpoint again moves it to the caller.',
      auth: 'fan',
      body: PushSubscriptionCreate,
      response: [201, 'Registered.', PushSubscriptionRecord],
      errors: [400],
    }),
    async (c) => {
      const body = c.req.valid('json');
      if (body.type === 'webpush' && !pushEndpointAllowed(body.endpoint, pushServiceHosts(pushHostsOf(c.env))))
        throw new ApiError(
          400,
          'push_service_not_allowed',
          "The endpoint is not on a known browser push service's host (PUSH_SERVICE_HOSTS).",
        );
      const userAgent = c.req.header('User-Agent')?.slice(0, 300) ?? null;
      // An EU fan's devices are kept in the EU database (docs/operations.md, "Regions and residency").
      const mine = personalDatabase(c);
      const { eu } = c.var.database;
      const primary = c.var.database.db.$primary;
      const elsewhere = eu ? (mine === eu ? primary : eu) : undefined;
      const record = await registerPushSubscription(mine, c.var.caller!.user.id, body, userAgent, elsewhere);
      return c.json(record, 201);
    },
  )
  .openapi(
    route({
      method: 'delete',
      path: '/me/push-subscriptions/{id}',
      tag: TAG,
      summary: 'Stop push to one browser or device',
      auth: 'fan',
      params: IdParams,
      response: [204, 'Removed.'],
      errors: [400, 404],
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const userId = c.var.caller!.user.id;
      // An EU fan's device registered before devices moved to the EU database is still in the primary.
      const removed =
        (await removePushSubscription(personalDatabase(c), userId, id)) ||
        (await removePushSubscription(c.var.database.db.$primary, userId, id));
      if (!removed) throw errors.notFound('push subscription');
      return c.body(null, 204);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/push/vapid-public-key',
      tag: TAG,
      summary: 'The VAPID public key browsers subscribe with (applicationServerKey)',
      response: [200, 'The key, base64url; null when Web Push is not configured.', VapidPublicKey],
    }),
    (c) => c.json({ publicKey: c.env.VAPID_PUBLIC_KEY || null }, 200),
  )
  .openapi(
    route({
      method: 'get',
      path: '/unsubscribe',
      tag: TAG,
      summary: 'The signed link from an email: asks to confirm, changes nothing (no sign-in)',
      description:
        'Mail scanners and link previews open every link of a message, so opening this one only checks the token and asks: a browser gets a page with a button that POSTs the same URL, other clients this JSON. The token names the user, the kind and the channel; a changed token is refused with 400.',
      query: UnsubscribeQuery,
      responses: {
        200: jsonOrHtml(
          'What a POST of the same URL would turn off (an HTML page for browsers).',
          UnsubscribeConfirmation,
        ),
      },
      errors: [400, 503],
    }),
    async (c) => {
      const { token } = c.req.valid('query');
      const scope = await unsubscribeScope(c, token);
      c.header('Cache-Control', 'no-store');
      if (wantsHtml(c)) return confirmUnsubscribePage(c, token, { kind: scope.k, channel: scope.c });
      return c.json({ confirm: { kind: scope.k, channel: scope.c }, method: 'POST' as const }, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/unsubscribe',
      tag: TAG,
      summary: 'One-click unsubscribe (RFC 8058 List-Unsubscribe-Post; no sign-in)',
      description:
        'What mail clients send for `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and what the confirmation page posts. The token names the user, the kind and the channel it turns off. It is verified with an HMAC; a changed token is refused with 400.',
      query: UnsubscribeQuery,
      responses: { 200: jsonOrHtml('Turned off (an HTML page for browsers).', UnsubscribeResult) },
      errors: [400, 503],
    }),
    async (c) => {
      const scope = await unsubscribeScope(c, c.req.valid('query').token);
      // A deleted user has nothing left to unsubscribe from; the link still answers as done.
      await unsubscribe(c.var.database.db.$primary, scope.u, scope.k, scope.c, c.var.database.eu);
      c.header('Cache-Control', 'no-store');
      if (wantsHtml(c)) return unsubscribedPage(c, { kind: scope.k, channel: scope.c });
      return c.json({ unsubscribed: { kind: scope.k, channel: scope.c } }, 200);
    },
  );

const wantsHtml = (c: Context<AppEnv>) => (c.req.header('Accept') ?? '').includes('text/html');

/** The verified token's scope, or 400 `invalid_unsubscribe_token` (503 when links are not configured). */
async function unsubscribeScope(c: Context<AppEnv>, token: string) {
  const key = c.env.UNSUBSCRIBE_SIGNING_KEY;
  if (!key) throw errors.unavailable('Unsubscribe links are not configured.');
  const scope = await verifyUnsubscribeToken(key, token);
  if (!scope)
    throw new ApiError(
      400,
      'invalid_unsubscribe_token',
      'This unsubscribe link is not valid. Change your settings in the app instead.',
    );
  return scope;
}
