import { describe, expect, it } from 'vitest';
import { addSong } from './setlist-support';
import { api, createShow, eventually, joinRoom, signUp, signUpAs } from './support';

const TRACE_ID = /^[0-9a-f]{32}$/;

interface Hop {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  startedAt: string;
  durationMs: number;
  attrs: Record<string, unknown>;
}

async function hopsOf(traceId: string, token: string, atLeast: number): Promise<Hop[]> {
  return eventually(async () => {
    const res = await api(`/v1/admin/traces/${traceId}`, { token });
    if (res.status !== 200) return undefined;
    const { hops } = (await res.json()) as { hops: Hop[] };
    return hops.length >= atLeast ? hops : undefined;
  });
}

/** Every hop has the trace id, and every parent is a hop of the same trace or the caller's own span. */
function expectOneTree(hops: Hop[], traceId: string, callerSpan: string | null) {
  const spans = new Set(hops.map((h) => h.spanId));
  for (const h of hops) {
    expect(h.traceId).toBe(traceId);
    if (h.parentSpanId !== null && h.parentSpanId !== callerSpan) expect(spans).toContain(h.parentSpanId);
  }
}

describe('one W3C trace follows a vote from the request to the Postgres statement', () => {
  it('over HTTP: api → room RPC → outbox → queue → consumer → Postgres, all under the caller’s trace id', async () => {
    const { show, songs } = await createShow();
    const [fan, admin] = await Promise.all([signUp(), signUpAs('admin')]);
    const setlistSongId = await addSong(show.id, songs[0]!.id, fan.token);

    const traceId = crypto.randomUUID().replaceAll('-', '');
    const callerSpan = '1234567890abcdef';
    const res = await api(`/v1/shows/${show.id}/votes`, {
      method: 'POST',
      token: fan.token,
      headers: { traceparent: `00-${traceId}-${callerSpan}-01` },
      body: JSON.stringify({ setlistSongId, voteId: crypto.randomUUID() }),
    });
    expect(res.status).toBe(201);
    // The response names the api's own span in the same trace.
    const returned = res.headers.get('traceparent');
    expect(returned).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(returned).not.toContain(callerSpan);

    const hops = await hopsOf(traceId, admin.token, 6);
    expectOneTree(hops, traceId, callerSpan);
    const names = hops.map((h) => `${h.service} ${h.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'api POST /v1/shows/:showId/votes',
        'api rpc room.vote',
        'realtime room.vote',
        'realtime outbox → mysetlist-vote-events',
        'queue-consumers queue mysetlist-vote-events',
        'queue-consumers postgres apply vote batch',
      ]),
    );
    const byName = new Map(hops.map((h) => [h.name, h]));
    const request = byName.get('POST /v1/shows/:showId/votes')!;
    const rpc = byName.get('rpc room.vote')!;
    const room = byName.get('room.vote')!;
    const queue = byName.get('queue mysetlist-vote-events')!;
    const statement = byName.get('postgres apply vote batch')!;
    // The chain: caller → api request → RPC → room → outbox → queue → Postgres.
    expect(request.parentSpanId).toBe(callerSpan);
    expect(rpc.parentSpanId).toBe(request.spanId);
    expect(room.parentSpanId).toBe(rpc.spanId);
    expect(byName.get('outbox → mysetlist-vote-events')!.parentSpanId).toBe(room.spanId);
    expect(statement.parentSpanId).toBe(queue.spanId);
    expect(statement.attrs.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(room.attrs.showId).toBe(show.id);
    // Hops are in time order, the statement last.
    expect(Date.parse(statement.startedAt)).toBeGreaterThanOrEqual(Date.parse(request.startedAt));

    // /ops shows the same hops for the trace id.
    const ops = await api(`/ops?trace=${traceId}`, {
      headers: { Accept: 'text/html', Cookie: `msl_session=${admin.token}` },
    });
    expect(ops.status).toBe(200);
    const page = await ops.text();
    expect(page).toContain('id="ops-trace-hops"');
    for (const name of ['rpc room.vote', 'room.vote', 'queue mysetlist-vote-events', 'postgres apply vote batch'])
      expect(page).toContain(name);
  });

  it('over the WebSocket: a vote message with a traceparent is acked with its trace id and traced to Postgres', async () => {
    const { show, songs } = await createShow();
    const [fan, admin] = await Promise.all([signUp(), signUpAs('moderator')]);
    const room = await joinRoom(show.id, { token: fan.token });
    room.send({ type: 'add_song', id: 'add-1', songId: songs[1]!.id });
    const added = await room.next<{ result: { setlistSongId: string } }>((m) => m.ref === 'add-1');
    const traceId = crypto.randomUUID().replaceAll('-', '');
    const voteId = crypto.randomUUID();
    room.send({
      type: 'vote',
      id: voteId,
      setlistSongId: added.result.setlistSongId,
      traceparent: `00-${traceId}-fedcba0987654321-01`,
    });
    const ack = await room.next<{ ok: boolean; traceId: string }>((m) => m.ref === voteId);
    expect(ack).toMatchObject({ ok: true, traceId });
    const hops = await hopsOf(traceId, admin.token, 4);
    expectOneTree(hops, traceId, 'fedcba0987654321');
    expect(hops.map((h) => h.name)).toEqual(
      expect.arrayContaining([
        'room.vote',
        'outbox → mysetlist-vote-events',
        'queue mysetlist-vote-events',
        'postgres apply vote batch',
      ]),
    );
    room.close();
  });

  it('starts a trace for a request without one and records nothing when it is not sampled', async () => {
    const res = await api('/health', { headers: { traceparent: `00-${'cd'.repeat(16)}-${'ef'.repeat(8)}-00` } });
    const returned = res.headers.get('traceparent')!;
    expect(returned.split('-')[1]).toBe('cd'.repeat(16));
    expect(returned.endsWith('-00')).toBe(true);
    const fresh = await api('/health', { headers: { traceparent: 'garbage' } });
    expect(fresh.headers.get('traceparent')!.split('-')[1]).toMatch(TRACE_ID);
    expect(fresh.headers.get('traceparent')!.split('-')[1]).not.toBe('cd'.repeat(16));
    const admin = await signUpAs('admin');
    expect((await api(`/v1/admin/traces/${'cd'.repeat(16)}`, { token: admin.token })).status).toBe(404);
  });
});
