/** Channel settings from the worker's secrets and vars; a channel without its secrets is off (deliveries skipped). */

import { pushServiceHosts } from '#shared/notifications/push-hosts';
import type { EmailConfig } from './channels/email';
import { ServiceAccount } from './channels/fcm';
import type { VapidConfig } from './channels/webpush';

export interface NotificationConfig {
  email: EmailConfig | null;
  vapid: VapidConfig | null;
  fcm: ServiceAccount | null;
  unsubscribeKey: string | null;
  /** The push services' hosts a Web Push endpoint may have (src/shared/notifications/push-hosts.ts). */
  pushHosts: string[];
  apiOrigin: string;
  webOrigin: string;
}

export type NotificationEnv = Pick<Env, 'EMAIL_FROM' | 'PUBLIC_API_ORIGIN' | 'PUBLIC_WEB_ORIGIN'> &
  Partial<
    Pick<
      Env,
      | 'EMAIL_API_URL'
      | 'EMAIL_API_KEY'
      | 'VAPID_PUBLIC_KEY'
      | 'VAPID_PRIVATE_KEY'
      | 'VAPID_SUBJECT'
      | 'FCM_SERVICE_ACCOUNT_JSON'
      | 'UNSUBSCRIBE_SIGNING_KEY'
    >
  > & {
    /** Optional var: replaces the default push services' hosts (comma-separated). */
    PUSH_SERVICE_HOSTS?: string;
  };

function parseServiceAccount(text: string | undefined): ServiceAccount | null {
  if (!text) return null;
  try {
    const parsed = ServiceAccount.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function notificationConfig(env: NotificationEnv): NotificationConfig {
  return {
    // Email needs the unsubscribe key too: no marketing-style email without a working unsubscribe link.
    email:
      env.EMAIL_API_URL && env.EMAIL_API_KEY && env.UNSUBSCRIBE_SIGNING_KEY
        ? { url: env.EMAIL_API_URL, apiKey: env.EMAIL_API_KEY, from: env.EMAIL_FROM }
        : null,
    vapid:
      env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY && env.VAPID_SUBJECT
        ? { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject: env.VAPID_SUBJECT }
        : null,
    fcm: parseServiceAccount(env.FCM_SERVICE_ACCOUNT_JSON),
    unsubscribeKey: env.UNSUBSCRIBE_SIGNING_KEY || null,
    pushHosts: pushServiceHosts(env.PUSH_SERVICE_HOSTS),
    apiOrigin: env.PUBLIC_API_ORIGIN.replace(/\/$/, ''),
    webOrigin: env.PUBLIC_WEB_ORIGIN.replace(/\/$/, ''),
  };
}
