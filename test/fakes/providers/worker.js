/**
 * The fake third-party providers of the tests (the only thing the tests fake): the queue consumers' outbound
 * fetch goes through this worker (miniflare `outboundService`). Requests to the providers' real hosts are
 * recorded and answered from recorded responses (responses.json, injected as FIXTURES); anything else (the
 * database relay) passes through. Tests script answers and read the recorded requests through the
 * FAKE_PROVIDERS service binding at http://fake-providers.control/.
 */
const requests = [];
/** { match: substring of "url body", responses: fixture names; the last one repeats } */
const scripts = [];

const DEFAULTS = {
  email: 'resend-200',
  oauth: 'google-token-200',
  fcm: 'fcm-200',
  webpush: 'webpush-201',
  pagerduty: 'pagerduty-202',
  webhook: 'webhook-200',
};

function providerOf(url) {
  if (url.hostname === 'api.resend.com') return 'email';
  // Alert receivers (workers/queue-consumers/src/consumers/alerts.ts): PagerDuty's Events API v2, a webhook.
  if (url.hostname === 'events.pagerduty.com') return 'pagerduty';
  if (url.hostname === 'hooks.alerts.test') return 'webhook';
  if (url.hostname === 'oauth2.googleapis.com') return 'oauth';
  if (url.hostname === 'fcm.googleapis.com' && url.pathname.startsWith('/v1/projects/')) return 'fcm';
  if (
    url.hostname === 'updates.push.services.mozilla.com' ||
    url.hostname === 'fcm.googleapis.com' ||
    url.hostname.endsWith('.push.test')
  )
    return 'webpush';
  return null;
}

function toBase64(buffer) {
  let binary = '';
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

async function control(request, url) {
  if (url.pathname === '/script' && request.method === 'POST') {
    scripts.push(await request.json());
    return Response.json({ ok: true });
  }
  if (url.pathname === '/requests') {
    const provider = url.searchParams.get('provider');
    const match = url.searchParams.get('match');
    return Response.json(
      requests.filter(
        (r) => (!provider || r.provider === provider) && (!match || `${r.url} ${r.body}`.includes(match)),
      ),
    );
  }
  return Response.json({ error: 'unknown control path' }, { status: 404 });
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.hostname === 'fake-providers.control') return control(request, url);
    const provider = providerOf(url);
    if (!provider) return fetch(request);
    const raw = await request.arrayBuffer();
    const body = provider === 'webpush' ? toBase64(raw) : new TextDecoder().decode(raw);
    requests.push({
      provider,
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body,
      at: Date.now(),
    });
    const haystack = `${request.url} ${body}`;
    const script = scripts.find((s) => haystack.includes(s.match) && s.responses.length);
    const name = script
      ? script.responses.length > 1
        ? script.responses.shift()
        : script.responses[0]
      : DEFAULTS[provider];
    if (name === 'network-error') throw new Error('connection reset by fake provider');
    const fixture = FIXTURES[name];
    if (!fixture) return new Response(`no fixture ${name}`, { status: 599 });
    return new Response(fixture.body === null ? null : JSON.stringify(fixture.body), {
      status: fixture.status,
      headers: fixture.headers,
    });
  },
};
