/** Wire schemas of the privacy-rights endpoints (GDPR art. 15/17/20, CCPA right to know/delete). */
import { z } from 'zod';
import { SessionFields } from './account';
import { Me } from './auth';

export const DataExport = z
  .object({
    exportedAt: z.string(),
    profile: Me,
    sessions: z.array(SessionFields.extend({ ip: z.string().nullable() })),
    votes: z.array(
      z.object({
        voteId: z.uuid(),
        showId: z.uuid(),
        setlistSongId: z.uuid(),
        songTitle: z.string(),
        active: z.boolean(),
        createdAt: z.string(),
        updatedAt: z.string(),
      }),
    ),
    setlistAdditions: z.array(
      z.object({ setlistSongId: z.uuid(), showId: z.uuid(), songTitle: z.string(), addedAt: z.string() }),
    ),
    follows: z.array(z.object({ artistId: z.uuid(), artistName: z.string(), since: z.string() })),
    notifications: z.array(
      z.object({
        id: z.uuid(),
        kind: z.string(),
        data: z.unknown(),
        createdAt: z.string(),
        readAt: z.string().nullable(),
      }),
    ),
    notificationPreferences: z.record(z.string(), z.unknown()),
    mfa: z.object({ enabled: z.boolean() }),
  })
  .meta({ id: 'DataExport' });
export type DataExport = z.infer<typeof DataExport>;

export const DeleteAccountBody = z
  .object({
    password: z.string().min(1).max(200),
    /** Required when two-step verification is on: a current code, or a recoveryCode. */
    totp: z
      .string()
      .trim()
      .regex(/^\d{6}$/)
      .optional(),
    recoveryCode: z.string().trim().min(1).max(40).optional(),
  })
  .meta({ id: 'DeleteAccountBody' });
export type DeleteAccountBody = z.infer<typeof DeleteAccountBody>;
