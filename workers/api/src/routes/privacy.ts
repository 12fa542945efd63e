import { OpenAPIHono } from '@hono/zod-openapi';
import { deleteCookie } from 'hono/cookie';
import { errors } from '#shared/errors';
import { DataExport, DeleteAccountBody } from '#shared/schemas/privacy';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { passwordHashOf } from '../auth/account-sessions';
import { mfaErrors, mfaState, verifySecondFactor } from '../auth/mfa';
import { verifyPassword } from '../auth/password';
import { passwordWork } from '../auth/password-work';
import { SESSION_COOKIE } from '../auth/session-token';
import { route } from '../http/route';
import { revokeRoomSockets, showsWithSongsAddedBy } from '../live/room-sockets';
import { eraseUser } from '../privacy/erase';
import { exportUserData } from '../privacy/export';
import { eraseEuUser, euExportParts } from '../residency/eu-accounts';
import { callerMfaDatabase } from '../residency/eu-mfa';
import { callerEuDatabase, personalDatabase } from '../residency/personal-database';

/** GDPR/CCPA: a copy of all my data, and deletion of my account (confirmed by password and second factor). */
export const privacyRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/me/export',
      tag: 'Privacy',
      summary: 'Everything MySetlist stores about me, as JSON',
      auth: 'fan',
      response: [200, 'My data.', DataExport],
    }),
    async (c) => {
      const caller = c.var.caller!;
      // An EU fan's profile and sessions are in the EU database; the primary has only the pseudonymous row.
      const eu = callerEuDatabase(c);
      const data = await exportUserData(c.var.database.db, caller.user.id, eu);
      if (eu) Object.assign(data, await euExportParts(eu, caller.user.id));
      c.header('Content-Disposition', `attachment; filename="mysetlist-export-${data.profile.id}.json"`);
      c.header('Cache-Control', 'no-store');
      return c.json(data, 200);
    },
  )
  .openapi(
    route({
      method: 'delete',
      path: '/me',
      tag: 'Privacy',
      summary: 'Delete my account and personal data (vote tallies are kept, anonymously)',
      auth: 'fan',
      body: DeleteAccountBody,
      response: [204, 'Deleted; every session ended.'],
      errors: [400, 429],
    }),
    async (c) => {
      const body = c.req.valid('json');
      const db = c.var.database.db;
      const caller = c.var.caller!;
      const eu = callerEuDatabase(c);
      const storedHash = await passwordHashOf(personalDatabase(c), caller.user.id);
      if (!storedHash || !(await passwordWork(c.env).run(() => verifyPassword(body.password, storedHash))))
        throw errors.invalidCredentials();
      const mfaDb = await callerMfaDatabase(c);
      if ((await mfaState(mfaDb, caller.user.id)) === 'enabled') {
        if (!body.totp && !body.recoveryCode) throw mfaErrors.required();
        if (
          !(await verifySecondFactor(mfaDb, c.env, caller.user.id, {
            totp: body.totp,
            recoveryCode: body.recoveryCode,
          }))
        )
          throw mfaErrors.invalidCode();
      }
      await recordAudit(c, 'account.delete', { type: 'user', id: caller.user.id });
      // Read before the erasure, which unlinks the songs the user added.
      const addedTo = await showsWithSongsAddedBy(db, caller.user.id);
      await eraseUser(db, caller.user.id);
      // After the primary: if this fails, the EU session still works and the fan can repeat the request.
      if (eu) await eraseEuUser(eu, caller.user.id);
      // Every socket of the user closes, and each room forgets who added which song, as Postgres just did.
      await revokeRoomSockets(c.env, db, c.var.log, { userId: caller.user.id, accountDeleted: true }, addedTo);
      deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
      return c.body(null, 204);
    },
  );
