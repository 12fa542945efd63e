import { z } from 'zod';
import { Uuid } from './common';
import { COMMON_PASSWORDS } from './common-passwords';

export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email())
  .transform((email) => email.toLowerCase());

/**
 * The password policy for new passwords (sign-up, password change); log-in accepts whatever was set before.
 * Each rule has its own message, so a 400 validation_failed says which one failed.
 */
export const Password = z
  .string()
  .min(10, 'Use at least 10 characters.')
  .max(200, 'Use at most 200 characters.')
  .refine((password) => new Set(password).size > 1, 'Do not use one character repeated.')
  .refine(
    (password) => !COMMON_PASSWORDS.has(password.toLowerCase()),
    'This password is one of the most common ones; choose another.',
  );

/**
 * The parts of an email a password must not contain: the local part and, for `name+tag@…`, the name.
 * Parts shorter than 3 characters are ignored (they would forbid too much and protect nothing).
 */
export function passwordContainsEmail(password: string, email: string): boolean {
  const local = email.trim().toLowerCase().split('@')[0] ?? '';
  const parts = [local, local.split('+')[0] ?? ''].filter((part) => part.length >= 3);
  const lowered = password.toLowerCase();
  return parts.some((part) => lowered.includes(part));
}

export const PASSWORD_CONTAINS_EMAIL = 'Do not use the part of your email before the @ in the password.';

/** `Password` plus the rule that needs the account's email. */
export function passwordFor(email: string) {
  return Password.refine((password) => !passwordContainsEmail(password, email), PASSWORD_CONTAINS_EMAIL);
}

export const SignUpBody = z
  .object({
    email: Email,
    password: Password,
    displayName: z.string().trim().min(1).max(60).optional(),
    /**
     * `eu`: keep my personal data in the EU database, where one is configured (also chosen for sign-ups from the
     * EU/EEA). Ignored when there is none (docs/operations.md, "Regions and residency").
     */
    dataRegion: z.enum(['eu']).optional(),
  })
  .superRefine((body, ctx) => {
    if (passwordContainsEmail(body.password, body.email))
      ctx.addIssue({ code: 'custom', path: ['password'], message: PASSWORD_CONTAINS_EMAIL });
  })
  .meta({ id: 'SignUpBody' });
export type SignUpBody = z.infer<typeof SignUpBody>;

export const LogInBody = z
  .object({
    email: Email,
    password: z.string().min(1).max(200),
    /** Required when the account has MFA enabled (one of the two): the 6-digit code of the authenticator app… */
    totp: z
      .string()
      .regex(/^\d{6}$/, 'A 6-digit code.')
      .optional(),
    /** …or one of the single-use recovery codes (`abcd-efgh-ijkl`). */
    recoveryCode: z.string().trim().min(1).max(40).optional(),
  })
  .meta({ id: 'LogInBody' });
export type LogInBody = z.infer<typeof LogInBody>;

export const UserRole = z.enum(['fan', 'moderator', 'admin']).meta({ id: 'UserRole' });
export type UserRole = z.infer<typeof UserRole>;

export const Me = z
  .object({
    id: Uuid,
    email: z.string(),
    displayName: z.string(),
    role: UserRole,
    createdAt: z.string(),
  })
  .meta({ id: 'Me' });
export type Me = z.infer<typeof Me>;

export const SessionCreated = z
  .object({
    user: Me,
    /** The opaque session token, for clients that use `Authorization: Bearer`. Also set as a cookie. */
    token: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'SessionCreated' });
export type SessionCreated = z.infer<typeof SessionCreated>;
