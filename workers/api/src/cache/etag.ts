/** A strong ETag of a body: its SHA-256 (crypto.subtle), base64url without padding, quoted. */
export async function strongEtag(body: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return `"${btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}"`;
}

/**
 * Whether `If-None-Match` matches `etag`, so that a GET is answered 304. RFC 9110 §13.1.2: `*` matches any
 * current representation, otherwise a list of entity tags compared weakly (a `W/` prefix is ignored).
 */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return header.split(',').some((tag) => opaque(tag) === wanted);
}
