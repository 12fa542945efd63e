import { OpenAPIHono } from '@hono/zod-openapi';
import { MfaConfirmBody, MfaDisableBody, MfaEnabled, MfaEnrollment, MfaStatus } from '#shared/schemas/account';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { reserveReauthAttempt } from '../auth/login-limiter';
import {
  confirmEnrollment,
  disableMfa,
  mfaErrors,
  mfaState,
  mfaStatus,
  startEnrollment,
  verifySecondFactor,
} from '../auth/mfa';
import { route } from '../http/route';
import { callerMfaDatabase } from '../residency/eu-mfa';

export const mfaRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/me/mfa',
      tag: 'Accounts',
      summary: 'Whether two-step verification is on, and how many recovery codes are left',
      auth: 'fan',
      response: [200, 'The MFA status.', MfaStatus],
    }),
    async (c) => c.json(await mfaStatus(await callerMfaDatabase(c), c.var.caller!.user.id), 200),
  )
  .openapi(
    route({
      method: 'post',
      path: '/me/mfa/enroll',
      tag: 'Accounts',
      summary: 'Start enrolling an authenticator app (TOTP)',
      description:
        'Returns a new secret and its otpauth:// URI (for a QR code). Enrolling again before confirming replaces the pending secret.',
      auth: 'fan',
      response: [200, 'The secret to add to the authenticator app.', MfaEnrollment],
      errors: [409],
    }),
    async (c) => {
      const { user } = c.var.caller!;
      return c.json(await startEnrollment(await callerMfaDatabase(c), c.env, user.id, user.email), 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/me/mfa/confirm',
      tag: 'Accounts',
      summary: 'Turn two-step verification on with a code of the enrolled app',
      body: MfaConfirmBody,
      auth: 'fan',
      response: [200, 'On; the recovery codes, shown only this once.', MfaEnabled],
      errors: [400, 409],
    }),
    async (c) => {
      const { code } = c.req.valid('json');
      const db = await callerMfaDatabase(c);
      const userId = c.var.caller!.user.id;
      const state = await mfaState(db, userId);
      if (state === 'enabled') throw mfaErrors.alreadyEnabled();
      if (state === 'off') throw mfaErrors.notEnrolled();
      const recoveryCodes = await confirmEnrollment(db, c.env, userId, code);
      if (!recoveryCodes) throw mfaErrors.invalidCode();
      await recordAudit(c, 'mfa.enable', { type: 'user', id: userId });
      return c.json({ recoveryCodes }, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/me/mfa/disable',
      tag: 'Accounts',
      summary: 'Turn two-step verification off with a code of the app or a recovery code',
      body: MfaDisableBody,
      auth: 'fan',
      response: [204, 'Off; the recovery codes are deleted.'],
      errors: [400, 409, 429],
    }),
    async (c) => {
      const { code } = c.req.valid('json');
      const db = await callerMfaDatabase(c);
      const userId = c.var.caller!.user.id;
      if ((await mfaState(db, userId)) !== 'enabled') throw mfaErrors.notEnabled();
      const isTotp = /^\d{6}$/.test(code);
      const attempt = await reserveReauthAttempt(c.env, userId, 'second-factor');
      if (!(await verifySecondFactor(db, c.env, userId, isTotp ? { totp: code } : { recoveryCode: code })))
        throw mfaErrors.invalidCode();
      await attempt.succeeded();
      await disableMfa(db, userId);
      await recordAudit(c, 'mfa.disable', { type: 'user', id: userId }, { with: isTotp ? 'totp' : 'recovery_code' });
      return c.body(null, 204);
    },
  );
