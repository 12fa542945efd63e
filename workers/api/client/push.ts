/**
 * Web Push opt-in on the account page, only where the browser has the Notifications and Push APIs: registers
 * /sw.js, subscribes with the server's VAPID key and sends the subscription to POST /v1/me/push-subscriptions.
 */
const box = document.getElementById('push-optin');
const button = document.getElementById('push-optin-button') as HTMLButtonElement | null;
const state = document.getElementById('push-optin-state');

function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const padded = value
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(value.length / 4) * 4, '=');
  const binary = atob(padded);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function optIn(): Promise<string> {
  const keyRes = await fetch('/v1/push/vapid-public-key');
  const { publicKey } = (await keyRes.json()) as { publicKey: string | null };
  if (!publicKey) return 'Browser notifications are not set up on this server.';
  if ((await Notification.requestPermission()) !== 'granted')
    return 'Notifications are blocked for this site in your browser settings.';
  const registration = await navigator.serviceWorker.register('/sw.js');
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: base64UrlToBytes(publicKey),
  });
  const res = await fetch('/v1/me/push-subscriptions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'webpush', ...subscription.toJSON() }),
  });
  return res.ok
    ? 'Browser notifications are on for this device.'
    : 'The server did not accept this device; try again later.';
}

if (box && button && state && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window) {
  box.hidden = false;
  if (Notification.permission === 'granted') state.textContent = 'Notifications are allowed in this browser.';
  button.addEventListener('click', () => {
    button.disabled = true;
    state.textContent = 'Turning on…';
    optIn()
      .then((text) => (state.textContent = text))
      .catch(() => (state.textContent = 'Could not turn on browser notifications here.'))
      .finally(() => (button.disabled = false));
  });
}
