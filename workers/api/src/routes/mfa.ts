import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
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
import { errorResponses, json, SIGNED_IN } from '../http/openapi';
import { requireCaller } from '../middleware/session';

export const mfaRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/me/mfa',
      tags: ['Accounts'],
      summary: 'Whether two-step verification is on, and how many recovery codes are left',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      responses: { 200: { description: 'The MFA status.', ...json(MfaStatus) }, ...errorResponses(401) },
    }),
    async (c) => c.json(await mfaStatus(c.var.database.db, c.var.caller!.user.id), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/me/mfa/enroll',
      tags: ['Accounts'],
      summary: 'Start enrolling an authenticator app (TOTP)',
      description:
        'Returns a new secret and its otpauth:// URI (for a QR code). Enrolling again before confirming replaces the pending secret.',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      responses: {
        200: { description: 'The secret to add to the authenticator app.', ...json(MfaEnrollment) },
        ...errorResponses(401, 409),
      },
    }),
    async (c) => {
      const { user } = c.var.caller!;
      return c.json(await startEnrollment(c.var.database.db, c.env, user.id, user.email), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/me/mfa/confirm',
      tags: ['Accounts'],
      summary: 'Turn two-step verification on with a code of the enrolled app',
      request: { body: { ...json(MfaConfirmBody), required: true } },
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      responses: {
        200: { description: 'On; the recovery codes, shown only this once.', ...json(MfaEnabled) },
        ...errorResponses(400, 401, 409),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('json');
      const db = c.var.database.db;
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
    createRoute({
      method: 'post',
      path: '/me/mfa/disable',
      tags: ['Accounts'],
      summary: 'Turn two-step verification off with a code of the app or a recovery code',
      request: { body: { ...json(MfaDisableBody), required: true } },
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      responses: {
        204: { description: 'Off; the recovery codes are deleted.' },
        ...errorResponses(400, 401, 409, 429),
      },
    }),
    async (c) => {
      const { code } = c.req.valid('json');
      const db = c.var.database.db;
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
