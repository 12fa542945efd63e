/** Sign up, log in (with the second step when two-step verification is on) and log out: plain HTML forms. */
import type { SessionCreated } from '#shared/schemas/auth';
import { Flash } from '../components';
import { failureText, formFields, optional, redirectWithCookies } from '../forms';
import { html, type PageContext } from '../render';
import { safeNext } from '../safe-next';

function SignUpForm({ email = '', displayName = '', error }: { email?: string; displayName?: string; error?: string }) {
  return (
    <section class="narrow">
      <h1>Sign up</h1>
      <Flash error={error} />
      <form method="post" action="/signup" class="stack">
        <label for="signup-email">Email</label>
        <input id="signup-email" name="email" type="email" autocomplete="email" required value={email} />
        <label for="signup-name">Display name (optional)</label>
        <input
          id="signup-name"
          name="displayName"
          type="text"
          autocomplete="nickname"
          maxlength={60}
          value={displayName}
        />
        <label for="signup-password">Password</label>
        <input
          id="signup-password"
          name="password"
          type="password"
          autocomplete="new-password"
          minlength={10}
          required
          aria-describedby="password-rules"
        />
        <p id="password-rules" class="muted small">
          At least 10 characters; not a common password and not the part of your email before the @.
        </p>
        <button type="submit">Create account</button>
      </form>
      <p>
        Already have an account? <a href="/login">Log in</a>
      </p>
    </section>
  );
}

export async function signUpPage({ c, me }: PageContext): Promise<Response> {
  if (me) return c.redirect('/account', 303);
  return html(c, { title: 'Sign up', me, children: <SignUpForm /> });
}

export async function signUpSubmit({ c, api, me }: PageContext): Promise<Response> {
  const form = await formFields(c);
  const result = await api.call<SessionCreated>('POST', '/auth/signup', {
    email: form.email ?? '',
    password: form.password ?? '',
    displayName: optional(form.displayName),
  });
  if (result.ok) return redirectWithCookies(c, '/account?notice=Welcome%20to%20MySetlist', result.response);
  return html(
    c,
    {
      title: 'Sign up',
      me,
      children: <SignUpForm email={form.email} displayName={form.displayName} error={failureText(result)} />,
    },
    result.status === 409 ? 409 : 400,
  );
}

function LogInForm({
  email = '',
  next,
  error,
  notice,
}: {
  email?: string;
  next: string;
  error?: string;
  notice?: string;
}) {
  return (
    <section class="narrow">
      <h1>Log in</h1>
      <Flash error={error} notice={notice} />
      <form method="post" action="/login" class="stack">
        <input type="hidden" name="next" value={next} />
        <label for="login-email">Email</label>
        <input id="login-email" name="email" type="email" autocomplete="username" required value={email} />
        <label for="login-password">Password</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Log in</button>
      </form>
      <p>
        New here? <a href="/signup">Sign up</a>
      </p>
    </section>
  );
}

/** Step two: the password was right and the account has two-step verification on. */
function SecondFactorForm({
  email,
  password,
  next,
  error,
}: {
  email: string;
  password: string;
  next: string;
  error?: string;
}) {
  return (
    <section class="narrow">
      <h1>Two-step verification</h1>
      <Flash error={error} />
      <form method="post" action="/login" class="stack">
        <input type="hidden" name="next" value={next} />
        <input type="hidden" name="email" value={email} />
        <input type="hidden" name="password" value={password} />
        <label for="login-totp">6-digit code from your authenticator app</label>
        <input
          id="login-totp"
          name="totp"
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]{6}"
          maxlength={6}
          autofocus
        />
        <details>
          <summary>Use a recovery code instead</summary>
          <label for="login-recovery">Recovery code</label>
          <input id="login-recovery" name="recoveryCode" type="text" autocomplete="off" />
        </details>
        <button type="submit">Verify and log in</button>
      </form>
    </section>
  );
}

export async function logInPage({ c, me }: PageContext): Promise<Response> {
  const next = safeNext(c.req.query('next'));
  if (me) return c.redirect(next, 303);
  return html(c, { title: 'Log in', me, children: <LogInForm next={next} notice={c.req.query('notice')} /> });
}

export async function logInSubmit({ c, api, me }: PageContext): Promise<Response> {
  const form = await formFields(c);
  const next = safeNext(form.next);
  const email = form.email ?? '';
  const password = form.password ?? '';
  const totp = optional(form.totp);
  const recoveryCode = optional(form.recoveryCode);
  const result = await api.call<SessionCreated>('POST', '/auth/login', { email, password, totp, recoveryCode });
  if (result.ok) return redirectWithCookies(c, next, result.response);
  const status = result.status === 429 ? 429 : result.status === 400 ? 400 : 401;
  let res: Response;
  if (result.code === 'mfa_required')
    res = await html(
      c,
      {
        title: 'Two-step verification',
        me,
        children: <SecondFactorForm email={email} password={password} next={next} />,
      },
      401,
    );
  else if (result.code === 'invalid_mfa_code')
    res = await html(
      c,
      {
        title: 'Two-step verification',
        me,
        children: <SecondFactorForm email={email} password={password} next={next} error={result.message} />,
      },
      401,
    );
  else
    res = await html(
      c,
      { title: 'Log in', me, children: <LogInForm email={email} next={next} error={failureText(result)} /> },
      status,
    );
  // The second step carries the password in the page: never keep it anywhere.
  res.headers.set('Cache-Control', 'no-store');
  return res;
}

export async function logOutSubmit({ c, api }: PageContext): Promise<Response> {
  const result = await api.call('POST', '/auth/logout');
  const res = redirectWithCookies(c, '/', result.ok ? result.response : undefined);
  // Signed out already (an expired session): clear the cookie anyway.
  if (!result.ok) res.headers.append('Set-Cookie', 'msl_session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax');
  return res;
}
