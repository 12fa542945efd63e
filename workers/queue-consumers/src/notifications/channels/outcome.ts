/**
 * What one provider call means for the delivery. Rules (docs/notifications.md): a 2xx is sent; 404/410 from a
 * push service means the device is gone (its subscription is deleted); 408/429 and 5xx or a network error or
 * timeout are transient (retried with backoff); any other 4xx is permanent (our request is wrong: retrying
 * would fail the same way).
 */
export type Outcome =
  | { outcome: 'sent'; httpStatus: number }
  | { outcome: 'gone'; httpStatus: number | null; error: string }
  | { outcome: 'retry'; httpStatus: number | null; error: string }
  | { outcome: 'failed'; httpStatus: number | null; error: string };

export async function classifyResponse(res: Response, opts: { goneStatuses?: number[] } = {}): Promise<Outcome> {
  if (res.ok) {
    await res.body?.cancel();
    return { outcome: 'sent', httpStatus: res.status };
  }
  const error = `${res.status} ${(await res.text().catch(() => '')).slice(0, 300)}`.trim();
  if (opts.goneStatuses?.includes(res.status)) return { outcome: 'gone', httpStatus: res.status, error };
  if (res.status === 408 || res.status === 429 || res.status >= 500)
    return { outcome: 'retry', httpStatus: res.status, error };
  return { outcome: 'failed', httpStatus: res.status, error };
}

/** A provider call that never got an answer (DNS, connection reset, our timeout): transient. */
export function networkFailure(err: unknown): Outcome {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { outcome: 'retry', httpStatus: null, error: message.slice(0, 300) };
}

/** Every provider call gives up after this long; the delivery is retried later. */
export const PROVIDER_TIMEOUT_MS = 10_000;

export async function callProvider(
  fetcher: typeof fetch,
  url: string,
  init: RequestInit,
  classify: (res: Response) => Promise<Outcome>,
): Promise<Outcome> {
  try {
    const res = await fetcher(url, { ...init, signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
    return await classify(res);
  } catch (err) {
    return networkFailure(err);
  }
}
