/**
 * The client example of docs/realtime.md, run as written (TypeScript transpiled) against a fake WebSocket: the
 * example once kept sending on its first socket after a reconnect, which was closed by then.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it, vi } from 'vitest';

const doc = readFileSync(resolve(import.meta.dirname, '../../docs/realtime.md'), 'utf8');
const example = doc.split('## A minimal client')[1]?.match(/```ts\n([\s\S]*?)```/)?.[1] ?? '';

class FakeSocket {
  static all: FakeSocket[] = [];
  sent: string[] = [];
  closed = false;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: URL) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    if (this.closed) throw new Error('send on a closed socket');
    this.sent.push(data);
  }
  serverCloses() {
    this.closed = true;
    this.onclose?.();
  }
}

function loadExample(): (showId: string) => { vote(id: string): void } {
  const js = ts.transpileModule(example.replace(/^import .*$/m, ''), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None },
  }).outputText;
  return new Function('WebSocket', 'location', 'crypto', `${js}; return joinRoom;`)(
    FakeSocket,
    { href: 'http://mysetlist.test/shows/x' },
    (globalThis as { crypto?: unknown }).crypto,
  );
}

describe('docs/realtime.md: the minimal client', () => {
  it('is in the doc', () => expect(example).toContain('function joinRoom'));

  it('votes on the new socket after a reconnect, resuming from the last seq', () => {
    vi.useFakeTimers();
    try {
      const room = loadExample()('00000000-0000-4000-8000-000000000001');
      const first = FakeSocket.all[0]!;
      first.onmessage?.({ data: JSON.stringify({ type: 'snapshot', seq: 7, songs: [] }) });
      first.serverCloses();
      vi.advanceTimersByTime(1000);
      const second = FakeSocket.all[1]!;
      expect(second.url.searchParams.get('since')).toBe('7');
      room.vote('00000000-0000-4000-8000-00000000000a');
      expect(second.sent).toHaveLength(1);
      expect(JSON.parse(second.sent[0]!)).toMatchObject({
        type: 'vote',
        setlistSongId: '00000000-0000-4000-8000-00000000000a',
      });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('docs name what exists', () => {
  const root = resolve(import.meta.dirname, '../..');
  const docs = readdirSync(resolve(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => [`docs/${f}`, readFileSync(resolve(root, 'docs', f), 'utf8')] as const);

  it('every migration a doc names is in migrations/', () => {
    const missing = docs.flatMap(([file, text]) =>
      [...text.matchAll(/migration `(\d{4}_[a-z0-9_]+)`/g)]
        .map((m) => m[1]!)
        .filter((name) => !existsSync(resolve(root, 'migrations', `${name}.sql`)))
        .map((name) => `${file}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('every file path a doc names (workers/…, src/shared/…, scripts/…) exists', () => {
    const missing = docs.flatMap(([file, text]) =>
      [...text.matchAll(/`((?:workers|src\/shared|scripts)\/[\w./-]+\.(?:ts|tsx|md|toml|json))`/g)]
        .map((m) => m[1]!)
        .filter((path) => !existsSync(resolve(root, path)))
        .map((path) => `${file}: ${path}`),
    );
    expect(missing).toEqual([]);
  });
});
