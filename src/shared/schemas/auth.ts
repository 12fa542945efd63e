import { z } from 'zod';
import { Uuid } from './common';

export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email())
  .transform((email) => email.toLowerCase());

/** Minimum policy for now; the gateway issue adds breach and strength checks. */
export const Password = z.string().min(10, 'Use at least 10 characters.').max(200);

export const SignUpBody = z
  .object({
    email: Email,
    password: Password,
    displayName: z.string().trim().min(1).max(60).optional(),
  })
  .meta({ id: 'SignUpBody' });
export type SignUpBody = z.infer<typeof SignUpBody>;

export const LogInBody = z
  .object({
    email: Email,
    password: z.string().min(1).max(200),
  })
  .meta({ id: 'LogInBody' });
export type LogInBody = z.infer<typeof LogInBody>;

export const UserRole = z.enum(['fan', 'moderator', 'admin']);
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
