/// <reference lib="webworker" />
/**
 * The service worker: shows Web Push notifications and opens the page a notification points to. It caches
 * nothing, so pages are always as fresh as the edge serves them.
 */
declare const self: ServiceWorkerGlobalScope;

interface PushPayload {
  title?: string;
  body?: string;
  url?: string;
}

self.addEventListener('push', (event) => {
  let payload: PushPayload = {};
  try {
    payload = (event.data?.json() ?? {}) as PushPayload;
  } catch {
    payload = { body: event.data?.text() ?? '' };
  }
  event.waitUntil(
    self.registration.showNotification(payload.title ?? 'MySetlist', {
      body: payload.body ?? '',
      icon: '/static/icon.svg',
      data: { url: payload.url ?? '/inbox' },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data as { url?: string } | null)?.url ?? '/';
  event.waitUntil(self.clients.openWindow(url));
});

export {};
