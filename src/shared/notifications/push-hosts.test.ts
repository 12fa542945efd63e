import { describe, expect, it } from 'vitest';
import { DEFAULT_PUSH_SERVICE_HOSTS, pushEndpointAllowed, pushServiceHosts } from './push-hosts';

const hosts = [...DEFAULT_PUSH_SERVICE_HOSTS];

describe('pushEndpointAllowed', () => {
  it.each([
    'https://fcm.googleapis.com/fcm/send/abc:def',
    'https://updates.push.services.mozilla.com/wpush/v2/gAAAA',
    'https://web.push.apple.com/QGuQyavXutnMH',
    'https://wns2-by3p.notify.windows.com/w/?token=BQYAAA',
  ])("accepts the browsers' push services: %s", (endpoint) => {
    expect(pushEndpointAllowed(endpoint, hosts)).toBe(true);
  });

  it.each([
    'https://evil.example/x',
    'https://169.254.169.254/latest/meta-data',
    'http://fcm.googleapis.com/fcm/send/x',
    'https://fcm.googleapis.com:8443/x',
    'https://user:pw@fcm.googleapis.com/x',
    'https://fcm.googleapis.com.evil.example/x',
    'https://evilnotify.windows.com/x',
    'https://notify.windows.com/x',
    'not a url',
  ])('refuses anything else: %s', (endpoint) => {
    expect(pushEndpointAllowed(endpoint, hosts)).toBe(false);
  });

  it('takes a configured list instead of the default', () => {
    const configured = pushServiceHosts(' push.example , *.push.test ');
    expect(configured).toEqual(['push.example', '*.push.test']);
    expect(pushEndpointAllowed('https://a.push.test/x', configured)).toBe(true);
    expect(pushEndpointAllowed('https://fcm.googleapis.com/x', configured)).toBe(false);
    expect(pushServiceHosts('')).toEqual(hosts);
  });
});
