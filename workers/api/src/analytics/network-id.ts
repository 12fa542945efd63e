/**
 * A privacy-preserving id of the network a request comes from, for the vote anomaly rules: many accounts
 * voting from one network is a signal, but the address itself is personal data and is never stored.
 *
 * The id is HMAC-SHA-256(NETWORK_ID_KEY, prefix) truncated to 16 hex characters, where the prefix is the
 * address's /24 (IPv4) or /48 (IPv6): wide enough that one household or office or one customer's IPv6
 * allocation maps to one id, and keyed so that the ids cannot be reversed by hashing all 2^24 IPv4 prefixes.
 * Without the key (NETWORK_ID_KEY unset) there is no network id, and the network rule cannot fire.
 */
const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(secret, key);
  }
  return key;
}

/** The /24 of an IPv4 address or the /48 of an IPv6 one, normalised; undefined when it is neither. */
export function networkPrefix(ip: string): string | undefined {
  const address = ip.trim();
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(address);
  if (v4) {
    const octets = v4.slice(1, 5).map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return `${octets[0]}.${octets[1]}.${octets[2]}.0/24`;
  }
  if (!address.includes(':') || !/^[0-9a-f:]+$/i.test(address)) return undefined;
  const halves = address.toLowerCase().split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  if (groups.some((g) => g.length === 0 || g.length > 4)) return undefined;
  return `${groups
    .slice(0, 3)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/48`;
}

/** The network id of a client address (`CF-Connecting-IP`), or undefined without an address or a key. */
export async function networkIdOf(
  ip: string | undefined | null,
  secret: string | undefined,
): Promise<string | undefined> {
  if (!ip || !secret) return undefined;
  const prefix = networkPrefix(ip);
  if (!prefix) return undefined;
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(prefix)));
  return [...mac.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The network id of the request's client (`CF-Connecting-IP`, set by Cloudflare's edge). */
export function requestNetworkId(c: {
  req: { header(name: string): string | undefined };
  env: { NETWORK_ID_KEY?: string };
}): Promise<string | undefined> {
  return networkIdOf(c.req.header('CF-Connecting-IP'), c.env.NETWORK_ID_KEY);
}
