/**
 * An EU fan's notification settings (locale, time zone, quiet hours) and kind × channel switches are kept in the EU
 * database (docs/operations.md, "Regions and residency"). The pipeline reads them there for the fans whose primary
 * row says `home_region = 'eu'`: a row in the EU database wins over one the fan wrote in the primary before.
 */
import type { NeonQueryFunction } from '@neondatabase/serverless';

export interface EuSettingsRow {
  userId: string;
  locale: string;
  timeZone: string;
  quietStart: number | null;
  quietEnd: number | null;
}

export interface EuSwitchRow {
  userId: string;
  kind: string;
  channel: string;
  enabled: boolean;
}

export interface EuNotificationSettings {
  of(userIds: string[]): Promise<{ settings: EuSettingsRow[]; switches: EuSwitchRow[] }>;
}

const SETTINGS = `select user_id as "userId", locale, time_zone as "timeZone", quiet_start_minute as "quietStart", quiet_end_minute as "quietEnd"
from notification_settings where user_id = any($1::uuid[])`;
const SWITCHES = `select user_id as "userId", kind, channel, enabled from notification_preferences where user_id = any($1::uuid[])`;

export function euNotificationSettingsOf(eu: NeonQueryFunction<false, false>): EuNotificationSettings {
  return {
    async of(userIds) {
      if (!userIds.length) return { settings: [], switches: [] };
      const [settings, switches] = (await eu.transaction([
        eu.query(SETTINGS, [userIds]),
        eu.query(SWITCHES, [userIds]),
      ])) as [EuSettingsRow[], EuSwitchRow[]];
      return { settings, switches };
    },
  };
}
