/**
 * An EU fan's push devices (`push_subscriptions`: Web Push endpoints and keys, FCM tokens) are kept in the EU
 * database (docs/operations.md, "Regions and residency"). The pipeline reads them there for the fans whose primary
 * row says `home_region = 'eu'`, and removes the ones a provider reports gone there too.
 */
import type { NeonQueryFunction } from '@neondatabase/serverless';

export interface PushDevice {
  id: string;
  userId: string;
  type: 'webpush' | 'fcm';
  endpoint: string;
  p256dh: string | null;
  auth: string | null;
}

export const DEVICES = `select id, user_id as "userId", type, endpoint, p256dh, auth from push_subscriptions where user_id = any($1::uuid[])`;
export const DELETE_DEVICES = `delete from push_subscriptions where id = any($1::uuid[])`;

export interface EuPush {
  /** The EU fans' devices, from the EU database. */
  devices(userIds: string[]): Promise<PushDevice[]>;
  /** Removes devices (by id) from the EU database; ids that are not there change nothing. */
  remove(ids: string[]): Promise<void>;
}

export function euPushOf(eu: NeonQueryFunction<false, false>): EuPush {
  return {
    devices: async (userIds) => (userIds.length ? ((await eu.query(DEVICES, [userIds])) as PushDevice[]) : []),
    remove: async (ids) => {
      if (ids.length) await eu.query(DELETE_DEVICES, [ids]);
    },
  };
}
