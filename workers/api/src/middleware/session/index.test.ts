import { describe, expect, it } from 'vitest';
import { sessionToken } from '.';

const req = (headers: Record<string, string>, query: Record<string, string> = {}) => ({
  header: (name: string) => headers[name],
  query: (name: string) => query[name],
});

describe('sessionToken', () => {
  it('prefers the bearer token, then the cookie', () => {
    expect(sessionToken(req({ Authorization: 'Bearer abc' }), 'cookie', false)).toBe('abc');
    expect(sessionToken(req({}), 'cookie', false)).toBe('cookie');
  });

  it('accepts ?token= only where allowed (WebSocket upgrades)', () => {
    expect(sessionToken(req({}, { token: 'q' }), undefined, false)).toBeUndefined();
    expect(sessionToken(req({}, { token: 'q' }), undefined, true)).toBe('q');
  });

  it('ignores other authorization schemes', () => {
    expect(sessionToken(req({ Authorization: 'Basic Zm9vOmJhcg==' }), undefined, false)).toBeUndefined();
  });
});
