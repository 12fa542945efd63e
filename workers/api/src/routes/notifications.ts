import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
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
import { errorResponses, json, SIGNED_IN } from '../http/openapi';
import { requireCaller } from '../middleware/session';
import {
  markAllRead,
  markRead,
  readInbox,
  registerPushSubscription,
  removePushSubscription,
} from '../notifications/inbox';
import { readPreferences, unsubscribe, writePreferences } from '../notifications/preferences';
import { confirmUnsubscribePage, unsubscribedPage } from '../notifications/unsubscribe-page';

/** The optional `PUSH_SERVICE_HOSTS` var (src/shared/notifications/push-hosts.ts); not in wrangler.toml by default. */
const pushHostsOf = (env: Env) => (env as Env & { PUSH_SERVICE_HOSTS?: string }).PUSH_SERVICE_HOSTS;

const TAGS = ['Notifications'];
const IdParams = z.object({ id: z.uuid() });
const UnsubscribeQuery = z.object({
  token: z.string().min(1).max(1000).meta({ description: 'The signed token from the email link.' }),
});

/** Mark one read, mark all read, list the inbox (rendered in the reader's language), preferences, devices, unsubscribe. */
export const notificationRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/me/notifications',
      tags: TAGS,
      summary: 'My in-app notifications, newest first, with the unread count',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      request: { query: PageQuery },
      responses: { 200: { description: 'A page of the inbox.', ...json(InboxPage) }, ...errorResponses(400, 401, 422) },
    }),
    async (c) => {
      return c.json(await readInbox(c.var.database.db.$primary, c.var.caller!.user.id, c.req.valid('query')), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/me/notifications/{id}/read',
      tags: TAGS,
      summary: 'Mark one notification read (idempotent)',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      request: { params: IdParams },
      responses: { 204: { description: 'Read.' }, ...errorResponses(400, 401, 404) },
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
    createRoute({
      method: 'post',
      path: '/me/notifications/read-all',
      tags: TAGS,
      summary: 'Mark every notification read',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      responses: {
        200: { description: 'How many were unread.', ...json(NotificationsMarked) },
        ...errorResponses(401),
      },
    }),
    async (c) => {
      const marked = await markAllRead(c.var.database.db.$primary, c.var.caller!.user.id);
      return c.json({ marked }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/me/notification-preferences',
      tags: TAGS,
      summary: 'My language, time zone, quiet hours and kind × channel switches',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      responses: {
        200: { description: 'The preferences, defaults filled in.', ...json(NotificationPreferences) },
        ...errorResponses(401),
      },
    }),
    async (c) => c.json(await readPreferences(c.var.database.db.$primary, c.var.caller!.user.id), 200),
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/me/notification-preferences',
      tags: TAGS,
      summary: 'Change my notification preferences (only the fields given)',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      request: { body: { ...json(NotificationPreferencesUpdate), required: true } },
      responses: {
        200: { description: 'The preferences after the change.', ...json(NotificationPreferences) },
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const db = c.var.database.db.$primary;
      await writePreferences(db, c.var.caller!.user.id, c.req.valid('json'));
      return c.json(await readPreferences(db, c.var.caller!.user.id), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/me/push-subscriptions',
      tags: TAGS,
      summary: 'Register a browser (Web Push subscription) or a mobile device (FCM token) for push',
      description:
        'A browser sends `{ "type": "webpush", ...PushSubscription.toJSON() }` (subscribe with the key from `GET /push/vapid-public-key`); an app sends `{ "type": "fcm", "token" }`. Registering an endpoint again moves it to the caller.',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      request: { body: { ...json(PushSubscriptionCreate), required: true } },
      responses: { 201: { description: 'Registered.', ...json(PushSubscriptionRecord) }, ...errorResponses(400, 401) },
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
      const record = await registerPushSubscription(c.var.database.db.$primary, c.var.caller!.user.id, body, userAgent);
      return c.json(record, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/me/push-subscriptions/{id}',
      tags: TAGS,
      summary: 'Stop push to one browser or device',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      request: { params: IdParams },
      responses: { 204: { description: 'Removed.' }, ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      if (!(await removePushSubscription(c.var.database.db.$primary, c.var.caller!.user.id, id)))
        throw errors.notFound('push subscription');
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/push/vapid-public-key',
      tags: TAGS,
      summary: 'The VAPID public key browsers subscribe with (applicationServerKey)',
      responses: {
        200: { description: 'The key, base64url; null when Web Push is not configured.', ...json(VapidPublicKey) },
      },
    }),
    (c) => c.json({ publicKey: c.env.VAPID_PUBLIC_KEY || null }, 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/unsubscribe',
      tags: TAGS,
      summary: 'The signed link from an email: asks to confirm, changes nothing (no sign-in)',
      description:
        'Mail scanners and link previews open every link of a message, so opening this one only checks the token and asks: a browser gets a page with a button that POSTs the same URL, other clients this JSON. The token names the user, the kind and the channel; a changed token is refused with 400.',
      request: { query: UnsubscribeQuery },
      responses: {
        200: {
          description: 'What a POST of the same URL would turn off (an HTML page for browsers).',
          content: {
            'application/json': { schema: UnsubscribeConfirmation },
            'text/html': { schema: z.string() },
          },
        },
        ...errorResponses(400, 503),
      },
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
    createRoute({
      method: 'post',
      path: '/unsubscribe',
      tags: TAGS,
      summary: 'One-click unsubscribe (RFC 8058 List-Unsubscribe-Post; no sign-in)',
      description:
        'What mail clients send for `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and what the confirmation page posts. The token names the user, the kind and the channel it turns off. It is verified with an HMAC; a changed token is refused with 400.',
      request: { query: UnsubscribeQuery },
      responses: {
        200: {
          description: 'Turned off (an HTML page for browsers).',
          content: { ...json(UnsubscribeResult).content, 'text/html': { schema: z.string() } },
        },
        ...errorResponses(400, 503),
      },
    }),
    async (c) => {
      const scope = await unsubscribeScope(c, c.req.valid('query').token);
      // A deleted user has nothing left to unsubscribe from; the link still answers as done.
      await unsubscribe(c.var.database.db.$primary, scope.u, scope.k, scope.c);
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
