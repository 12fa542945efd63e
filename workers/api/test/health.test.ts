import { describe, expect, it } from 'vitest';
import { api } from './support';

describe('GET /health', () => {
  it('reports the database as reachable with its version, and a request id', async () => {
    const res = await api('/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as { status: string; database: { reachable: boolean; version: string } };
    expect(body.status).toBe('ok');
    expect(body.database.reachable).toBe(true);
    expect(body.database.version).toMatch(/PostgreSQL \d+/);
  });

  it('keeps a well-formed incoming request id', async () => {
    const res = await api('/health', { headers: { 'X-Request-Id': 'trace-1234567890' } });
    expect(res.headers.get('X-Request-Id')).toBe('trace-1234567890');
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const res = await api('/v2/shows');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
