/**
 * The one check for every `next` (where to go after logging in): only a path on this site. A prefix test is not
 * enough: browsers drop tabs and newlines inside URLs and read `\` as `/`, so `/\t/evil.example` becomes
 * `//evil.example` (another site), and a newline in a Location header throws. So the candidate is refused if it
 * has a control character, a backslash or starts with `//`, then parsed against a stand-in origin the way a browser
 * would, and kept only if it stays on that origin; what is returned is the parsed, re-serialized path.
 */
const OWN = 'http://own.invalid';

// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function safeNext(next: string | undefined, fallback = '/'): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.includes('\\') || CONTROL.test(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, OWN);
  } catch {
    return fallback;
  }
  if (url.origin !== OWN) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // The serialized form is what the browser will see: it must still be a plain path (never `//host`).
  return path.startsWith('/') && !path.startsWith('//') ? path : fallback;
}
