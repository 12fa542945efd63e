/**
 * Which hosts a Web Push subscription may point at. The endpoint comes from the browser, that is from whoever
 * calls the API: without a check, the notifications consumer would POST to any URL it is given (SSRF). Browsers
 * only ever hand out endpoints of their vendor's push service, so those hosts are the allowlist, checked when a
 * subscription is registered (api) and again before each send (queue-consumers), so a row stored before the
 * check, or a narrowed list, is never called.
 *
 * `PUSH_SERVICE_HOSTS` (comma-separated) replaces the list; an entry is a host name, or `*.` and a domain for any
 * host under it (not the domain itself).
 */
export const DEFAULT_PUSH_SERVICE_HOSTS = [
  // Chrome, Edge on Android, Opera, Samsung Internet (Firebase Cloud Messaging)
  'fcm.googleapis.com',
  // Firefox (Mozilla autopush)
  'updates.push.services.mozilla.com',
  // Safari (Apple Push Notification service for the web)
  'web.push.apple.com',
  '*.push.apple.com',
  // Edge on Windows (Windows Push Notification Services)
  '*.notify.windows.com',
] as const;

export function pushServiceHosts(configured: string | undefined): string[] {
  const hosts = (configured ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  return hosts.length ? hosts : [...DEFAULT_PUSH_SERVICE_HOSTS];
}

/** An https URL on the default port whose host is on the list; anything unparsable is refused. */
export function pushEndpointAllowed(endpoint: string, hosts: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.port !== '' || url.username !== '' || url.password !== '') return false;
  const host = url.hostname.toLowerCase();
  return hosts.some((allowed) =>
    allowed.startsWith('*.') ? host.endsWith(allowed.slice(1)) && host.length > allowed.length - 1 : host === allowed,
  );
}
