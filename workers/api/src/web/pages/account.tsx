/** The account page (sessions, two-step verification, export, deletion) and its form handlers. */
import type { MfaEnabled, MfaEnrollment, MfaStatus, SessionList } from '#shared/schemas/account';
import type { NotificationPreferences } from '#shared/schemas/notifications';
import { Flash } from '../components';
import { failureText, formFields, optional, redirectWithCookies, withMessage } from '../forms';
import { must } from '../internal-api';
import { html, type PageContext, requireMe } from '../render';
import { NotificationSettings, notificationScripts } from './notifications';

const when = (iso: string) => new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

export async function accountPage(
  page: PageContext,
  extra?: { enrollment?: MfaEnrollment; recoveryCodes?: string[]; error?: string; status?: 400 | 409 | 429 },
): Promise<Response> {
  const me = requireMe(page);
  const { c, api } = page;
  const [sessions, mfa, prefs] = await Promise.all([
    api.get<SessionList>('/me/sessions'),
    api.get<MfaStatus>('/me/mfa'),
    api.get<NotificationPreferences>('/me/notification-preferences'),
  ]);
  const sessionItems = must(sessions).items;
  const mfaStatus = must(mfa);
  return html(
    c,
    {
      title: 'Your account',
      me,
      scripts: notificationScripts,
      children: (
        <>
          <h1>Your account</h1>
          <Flash notice={c.req.query('notice')} error={extra?.error ?? c.req.query('error')} />
          <dl class="facts">
            <dt>Name</dt>
            <dd>{me.displayName}</dd>
            <dt>Email</dt>
            <dd>{me.email}</dd>
            <dt>Role</dt>
            <dd>{me.role}</dd>
          </dl>

          <section aria-labelledby="sessions">
            <h2 id="sessions">Where you are logged in</h2>
            <ul class="rows">
              {sessionItems.map((s) => (
                <li>
                  <span>
                    <strong>{s.userAgent ?? 'Unknown device'}</strong>
                    {s.current ? <span class="badge">This device</span> : null}
                    <span class="muted small"> · last seen {when(s.lastSeenAt)}</span>
                  </span>
                  {s.current ? null : (
                    <form method="post" action={`/account/sessions/${s.id}/end`} class="inline">
                      <button type="submit" class="secondary">
                        Log out
                      </button>
                    </form>
                  )}
                </li>
              ))}
            </ul>
            {sessionItems.length > 1 ? (
              <form method="post" action="/account/sessions/end-others">
                <button type="submit" class="secondary">
                  Log out everywhere else
                </button>
              </form>
            ) : null}
          </section>

          <section aria-labelledby="mfa">
            <h2 id="mfa">Two-step verification</h2>
            {extra?.recoveryCodes ? (
              <div class="panel" role="status">
                <p>
                  <strong>Two-step verification is on.</strong> Keep these recovery codes somewhere safe; each works
                  once, instead of a code:
                </p>
                <ul class="codes">
                  {extra.recoveryCodes.map((code) => (
                    <li>
                      <code>{code}</code>
                    </li>
                  ))}
                </ul>
              </div>
            ) : extra?.enrollment ? (
              <div class="panel">
                <p>Add this key to your authenticator app, then type the code it shows.</p>
                <p>
                  Key: <code id="mfa-secret">{extra.enrollment.secret}</code>
                </p>
                <p class="small">
                  <a href={extra.enrollment.otpauthUri}>Open in an authenticator app</a>
                </p>
                <form method="post" action="/account/mfa/confirm" class="stack">
                  <label for="mfa-code">6-digit code</label>
                  <input
                    id="mfa-code"
                    name="code"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    pattern="[0-9]{6}"
                    maxlength={6}
                    required
                  />
                  <button type="submit">Turn on</button>
                </form>
              </div>
            ) : mfaStatus.enabled ? (
              <>
                <p>
                  On. {mfaStatus.recoveryCodesLeft} recovery {mfaStatus.recoveryCodesLeft === 1 ? 'code' : 'codes'}{' '}
                  left.
                </p>
                <form method="post" action="/account/mfa/disable" class="stack">
                  <label for="mfa-disable-code">Code from your app, or a recovery code</label>
                  <input id="mfa-disable-code" name="code" autocomplete="one-time-code" required />
                  <button type="submit" class="secondary">
                    Turn off
                  </button>
                </form>
              </>
            ) : (
              <>
                <p>Off. With it on, logging in also asks for a code from an authenticator app.</p>
                <form method="post" action="/account/mfa/enroll">
                  <button type="submit">Set up two-step verification</button>
                </form>
              </>
            )}
          </section>

          {prefs.ok ? <NotificationSettings prefs={prefs.data} /> : null}

          <section aria-labelledby="data">
            <h2 id="data">Your data</h2>
            <p>
              <a href="/account/export" download="mysetlist-export.json">
                Export my data (JSON)
              </a>
            </p>
            <details class="danger-zone">
              <summary>Delete my account</summary>
              <form method="post" action="/account/delete" class="stack">
                <p>This erases your account, votes and follows. It cannot be undone.</p>
                <label for="delete-password">Password</label>
                <input id="delete-password" name="password" type="password" autocomplete="current-password" required />
                {mfaStatus.enabled ? (
                  <>
                    <label for="delete-totp">Code from your authenticator app</label>
                    <input id="delete-totp" name="totp" inputmode="numeric" autocomplete="one-time-code" />
                  </>
                ) : null}
                <button type="submit" class="danger">
                  Delete my account
                </button>
              </form>
            </details>
          </section>
        </>
      ),
    },
    extra?.status ?? 200,
  );
}

/** A refused form's status: what the API said, as one of the statuses a page answers with. */
const formStatus = (status: number): 400 | 409 | 429 => (status === 409 ? 409 : status === 429 ? 429 : 400);

export async function endSessionSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const result = await page.api.call('DELETE', `/me/sessions/${encodeURIComponent(page.c.req.param('id')!)}`);
  return redirectWithCookies(
    page.c,
    result.ok
      ? withMessage('/account', 'notice', 'That session is logged out.')
      : withMessage('/account', 'error', result.message),
  );
}

export async function endOtherSessionsSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const result = await page.api.call<{ revoked: number }>('DELETE', '/me/sessions');
  return redirectWithCookies(
    page.c,
    result.ok
      ? withMessage('/account', 'notice', `Logged out ${result.data.revoked} other sessions.`)
      : withMessage('/account', 'error', result.message),
  );
}

export async function mfaEnrollSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const result = await page.api.call<MfaEnrollment>('POST', '/me/mfa/enroll');
  const res = result.ok
    ? await accountPage(page, { enrollment: result.data })
    : await accountPage(page, { error: result.message, status: formStatus(result.status) });
  res.headers.set('Cache-Control', 'no-store');
  return res;
}

export async function mfaConfirmSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const form = await formFields(page.c);
  const result = await page.api.call<MfaEnabled>('POST', '/me/mfa/confirm', { code: form.code ?? '' });
  const res = result.ok
    ? await accountPage(page, { recoveryCodes: result.data.recoveryCodes })
    : await accountPage(page, { error: failureText(result), status: formStatus(result.status) });
  res.headers.set('Cache-Control', 'no-store');
  return res;
}

export async function mfaDisableSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const form = await formFields(page.c);
  const result = await page.api.call('POST', '/me/mfa/disable', { code: form.code ?? '' });
  return redirectWithCookies(
    page.c,
    result.ok
      ? withMessage('/account', 'notice', 'Two-step verification is off.')
      : withMessage('/account', 'error', failureText(result)),
  );
}

/** The export as a download: the API's JSON, with a file name. */
export async function exportDownload(page: PageContext): Promise<Response> {
  requireMe(page);
  const res = await page.api.send('GET', '/me/export');
  if (!res.ok) return redirectWithCookies(page.c, withMessage('/account', 'error', 'The export failed; try again.'));
  return new Response(res.body, {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': 'attachment; filename="mysetlist-export.json"',
      'Cache-Control': 'private, no-store',
    },
  });
}

export async function deleteAccountSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const form = await formFields(page.c);
  const result = await page.api.call('DELETE', '/me', {
    password: form.password ?? '',
    totp: optional(form.totp),
    recoveryCode: optional(form.recoveryCode),
  });
  if (!result.ok) return redirectWithCookies(page.c, withMessage('/account', 'error', failureText(result)));
  return redirectWithCookies(page.c, '/?notice=Your%20account%20is%20deleted', result.response);
}
