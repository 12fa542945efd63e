/** The inbox, notification preferences (a section of the account page) and their form handlers. */
import type { z } from 'zod';
import {
  type InboxPage,
  NOTIFICATION_CHANNELS,
  NOTIFICATION_KINDS,
  type NotificationPreferences,
} from '#shared/schemas/notifications';
import { WEB_ASSETS } from '../assets';
import { Flash } from '../components';
import { failureText, formFields, optional, redirectWithCookies, withMessage } from '../forms';
import { must } from '../internal-api';
import { html, type PageContext, requireMe } from '../render';

type Inbox = z.infer<typeof InboxPage>;
const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export async function inboxPage(page: PageContext): Promise<Response> {
  const me = requireMe(page);
  const inbox = must(await page.api.get<Inbox>('/me/notifications?limit=50'));
  return html(page.c, {
    title: inbox.unread ? `Inbox (${inbox.unread})` : 'Inbox',
    me,
    children: (
      <>
        <h1>Inbox</h1>
        <Flash notice={page.c.req.query('notice')} error={page.c.req.query('error')} />
        <p>
          {inbox.unread} unread
          {inbox.unread > 0 ? (
            <form method="post" action="/inbox/read-all" class="inline">
              {' '}
              <button type="submit" class="secondary">
                Mark all read
              </button>
            </form>
          ) : null}
        </p>
        {inbox.items.length === 0 ? (
          <p class="muted">Nothing yet. Follow artists to hear about their shows.</p>
        ) : (
          <ul class="rows inbox">
            {inbox.items.map((n) => {
              const slug = typeof n.data.showSlug === 'string' ? n.data.showSlug : undefined;
              return (
                <li class={n.readAt ? 'read' : 'unread'}>
                  <span>
                    {n.readAt ? null : <span class="badge">New</span>}{' '}
                    <strong>{slug ? <a href={`/shows/${slug}`}>{n.title}</a> : n.title}</strong>
                    <br />
                    <span>{n.body}</span> <span class="muted small">· {utc(n.createdAt)}</span>
                  </span>
                  {n.readAt ? null : (
                    <form method="post" action={`/inbox/${n.id}/read`} class="inline">
                      <button type="submit" class="secondary" aria-label={`Mark “${n.title}” read`}>
                        Mark read
                      </button>
                    </form>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </>
    ),
  });
}

export async function markReadSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const result = await page.api.call('POST', `/me/notifications/${encodeURIComponent(page.c.req.param('id')!)}/read`);
  return redirectWithCookies(page.c, result.ok ? '/inbox' : withMessage('/inbox', 'error', result.message));
}

export async function markAllReadSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const result = await page.api.call('POST', '/me/notifications/read-all');
  return redirectWithCookies(
    page.c,
    result.ok ? withMessage('/inbox', 'notice', 'All read.') : withMessage('/inbox', 'error', result.message),
  );
}

const KIND_LABEL: Record<(typeof NOTIFICATION_KINDS)[number], string> = {
  show_announced: 'New show announced',
  voting_open: 'Voting opens',
  show_starting: 'Show about to start',
  setlist_published: 'Setlist and results',
  song_milestone: 'Song vote milestones',
};
const CHANNEL_LABEL: Record<(typeof NOTIFICATION_CHANNELS)[number], string> = {
  in_app: 'Inbox',
  email: 'Email',
  webpush: 'Browser push',
  fcm: 'Mobile app',
};

/** The account page's section: kind × channel switches, time zone, quiet hours, and the Web Push opt-in. */
export function NotificationSettings({ prefs }: { prefs: NotificationPreferences }) {
  return (
    <section aria-labelledby="notifications">
      <h2 id="notifications">Notifications</h2>
      <form method="post" action="/account/notifications" class="prefs">
        <table>
          <caption class="visually-hidden">What to tell you, and where</caption>
          <thead>
            <tr>
              <th scope="col">Notification</th>
              {NOTIFICATION_CHANNELS.map((ch) => (
                <th scope="col">{CHANNEL_LABEL[ch]}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {NOTIFICATION_KINDS.map((kind) => (
              <tr>
                <th scope="row">{KIND_LABEL[kind]}</th>
                {NOTIFICATION_CHANNELS.map((ch) => (
                  <td>
                    <input
                      type="checkbox"
                      name={`${kind}.${ch}`}
                      id={`pref-${kind}-${ch}`}
                      checked={prefs.kinds[kind][ch]}
                      aria-label={`${KIND_LABEL[kind]} by ${CHANNEL_LABEL[ch]}`}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <div class="stack">
          <label for="pref-tz">Time zone</label>
          <input id="pref-tz" name="timeZone" value={prefs.timeZone} />
          <label for="pref-quiet-start">Quiet hours from (HH:MM, empty for none)</label>
          <input
            id="pref-quiet-start"
            name="quietStart"
            pattern="([01][0-9]|2[0-3]):[0-5][0-9]"
            value={prefs.quietHours?.start ?? ''}
          />
          <label for="pref-quiet-end">to</label>
          <input
            id="pref-quiet-end"
            name="quietEnd"
            pattern="([01][0-9]|2[0-3]):[0-5][0-9]"
            value={prefs.quietHours?.end ?? ''}
          />
          <button type="submit">Save notification settings</button>
        </div>
      </form>
      <div id="push-optin" hidden>
        <p>Get browser notifications on this device.</p>
        <button type="button" id="push-optin-button">
          Turn on browser notifications
        </button>
        <p id="push-optin-state" role="status" class="muted small"></p>
      </div>
    </section>
  );
}

export const notificationScripts = [WEB_ASSETS.pushScript];

export async function preferencesSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const form = await formFields(page.c);
  const kinds = Object.fromEntries(
    NOTIFICATION_KINDS.map((kind) => [
      kind,
      Object.fromEntries(NOTIFICATION_CHANNELS.map((ch) => [ch, form[`${kind}.${ch}`] === 'on'])),
    ]),
  );
  const start = optional(form.quietStart);
  const end = optional(form.quietEnd);
  const result = await page.api.call('PUT', '/me/notification-preferences', {
    kinds,
    timeZone: optional(form.timeZone),
    quietHours: start && end ? { start, end } : null,
  });
  return redirectWithCookies(
    page.c,
    result.ok
      ? withMessage('/account', 'notice', 'Notification settings saved.')
      : withMessage('/account', 'error', failureText(result)),
  );
}
