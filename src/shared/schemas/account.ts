/** Wire schemas of the account-security endpoints: MFA, sessions, password change. */
import { z } from 'zod';
import { Password } from './auth';
import { Uuid } from './common';

export const MfaStatus = z
  .object({
    enabled: z.boolean(),
    /** Unused recovery codes; 0 when MFA is off. */
    recoveryCodesLeft: z.number().int(),
  })
  .meta({ id: 'MfaStatus' });
export type MfaStatus = z.infer<typeof MfaStatus>;

export const MfaEnrollment = z
  .object({
    /** The TOTP secret in base32, for typing into an authenticator app by hand. */
    secret: z.string(),
    /** `otpauth://totp/…` for a QR code: SHA-1, 6 digits, 30 s, issuer MySetlist. */
    otpauthUri: z.string(),
  })
  .meta({ id: 'MfaEnrollment' });
export type MfaEnrollment = z.infer<typeof MfaEnrollment>;

export const MfaConfirmBody = z
  .object({
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, 'A 6-digit code.'),
  })
  .meta({ id: 'MfaConfirmBody' });

export const MfaDisableBody = z
  .object({
    /** A current 6-digit code of the authenticator app, or an unused recovery code. */
    code: z.string().trim().min(1).max(40),
  })
  .meta({ id: 'MfaDisableBody' });

export const MfaEnabled = z
  .object({
    /** Shown once: store them somewhere safe. Each works once, instead of a code of the app. */
    recoveryCodes: z.array(z.string()),
  })
  .meta({ id: 'MfaEnabled' });
export type MfaEnabled = z.infer<typeof MfaEnabled>;

/** A session as its owner sees it (GET /v1/me/sessions) and downloads it (GET /v1/me/export). */
export const SessionFields = z.object({
  id: Uuid,
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  userAgent: z.string().nullable(),
});

export const SessionInfo = SessionFields.extend({
  /** The session this request was made with. */
  current: z.boolean(),
}).meta({ id: 'SessionInfo' });
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SessionList = z.object({ items: z.array(SessionInfo) }).meta({ id: 'SessionList' });
export type SessionList = z.infer<typeof SessionList>;

export const SessionsRevoked = z.object({ revoked: z.number().int() }).meta({ id: 'SessionsRevoked' });
export type SessionsRevoked = z.infer<typeof SessionsRevoked>;

export const ChangePasswordBody = z
  .object({
    currentPassword: z.string().min(1).max(200),
    /** The password policy applies, including "not the part of your email before the @". */
    newPassword: Password,
  })
  .meta({ id: 'ChangePasswordBody' });
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;
