/**
 * The pages a browser sees for an email's unsubscribe link. Opening the link (GET) only asks: mail scanners and
 * link previews fetch every link in a message, and they unsubscribed people. The button POSTs the same URL, as a
 * mail client's RFC 8058 one-click does, and that POST is what turns the notifications off.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { html } from '../web/render';

interface Scope {
  kind: string;
  channel: string;
}

const what = ({ kind, channel }: Scope) =>
  `${kind === 'all' ? 'all notifications' : `"${kind.replace(/_/g, ' ')}" notifications`}${channel === 'all' ? '' : ` by ${channel === 'webpush' ? 'Web Push' : channel}`}`;

export function confirmUnsubscribePage(c: Context<AppEnv>, token: string, scope: Scope): Promise<Response> {
  const action = `/v1/unsubscribe?token=${encodeURIComponent(token)}`;
  return html(c, {
    title: 'Unsubscribe',
    me: null,
    children: (
      <section class="narrow">
        <h1>Unsubscribe?</h1>
        <p>This turns off {what(scope)} for your account. You can turn them on again in your account settings.</p>
        <form method="post" action={action}>
          <input type="hidden" name="List-Unsubscribe" value="One-Click" />
          <button type="submit">Unsubscribe</button>
        </form>
      </section>
    ),
  });
}

export function unsubscribedPage(c: Context<AppEnv>, scope: Scope): Promise<Response> {
  return html(c, {
    title: 'Unsubscribed',
    me: null,
    children: (
      <section class="narrow">
        <h1>You are unsubscribed</h1>
        <p>We turned off {what(scope)}. You can change this any time in your account settings.</p>
      </section>
    ),
  });
}
