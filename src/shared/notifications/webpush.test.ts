/**
 * Web Push payload encryption (RFC 8291, aes128gcm) as the consumers do it — @block65/webcrypto-web-push on
 * workerd's Web Crypto — checked against the RFC's own worked example (Appendix A): with the RFC's salt and
 * application-server key pair, the RFC's plaintext must encrypt to exactly the RFC's body, byte for byte.
 */
import { encryptNotification } from '@block65/webcrypto-web-push';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromBase64Url, toBase64Url } from '../auth/bytes';

const RFC8291 = {
  plaintext: 'V2hlbiBJIGdyb3cgdXAsIEkgd2FudCB0byBiZSBhIHdhdGVybWVsb24',
  asPrivate: 'yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw',
  asPublic: 'BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8',
  uaPublic: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
  salt: 'DGv6ra1nlYgDCS1FRnbzlw',
  authSecret: 'BTBZMqHH6r4Tts7J_aSIgg',
  body: 'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
};

/** The RFC's application-server key pair, in place of the random one the library would generate. */
async function rfcKeyPair(): Promise<CryptoKeyPair> {
  const point = fromBase64Url(RFC8291.asPublic);
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: toBase64Url(point.slice(1, 33)),
    y: toBase64Url(point.slice(33, 65)),
    d: RFC8291.asPrivate,
    ext: true,
  };
  const privateKey = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, true, [
    'deriveBits',
  ]);
  const publicKey = await crypto.subtle.importKey('raw', point, { name: 'ECDH', namedCurve: 'P-256' }, true, []);
  return { privateKey, publicKey };
}

/**
 * Encrypts the RFC 8291 Appendix A plaintext with the RFC's keys; the only randomness in aes128gcm is the salt and
 * the ephemeral key pair: the key pair is pinned to the RFC's, the salt is what `fillSalt` writes.
 */
async function encryptRfcPlaintext(fillSalt: (salt: Uint8Array) => void): ReturnType<typeof encryptNotification> {
  const keyPair = await rfcKeyPair();
  vi.spyOn(crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    fillSalt(array as unknown as Uint8Array);
    return array;
  });
  vi.spyOn(crypto.subtle, 'generateKey').mockResolvedValue(keyPair as never);
  return encryptNotification(
    {
      endpoint: 'https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV',
      expirationTime: null,
      keys: { p256dh: RFC8291.uaPublic, auth: RFC8291.authSecret },
    },
    fromBase64Url(RFC8291.plaintext),
    { pad: false },
  );
}

describe('Web Push encryption (RFC 8291)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('encrypts the RFC 8291 Appendix A plaintext to exactly the RFC body', async () => {
    const body = await encryptRfcPlaintext((salt) => salt.set(fromBase64Url(RFC8291.salt)));
    expect(toBase64Url(body)).toBe(RFC8291.body);
  });

  it('produces a different body for another salt (the check above can fail)', async () => {
    const body = await encryptRfcPlaintext((salt) => salt.fill(7));
    expect(toBase64Url(body)).not.toBe(RFC8291.body);
    expect(body.byteLength).toBe(fromBase64Url(RFC8291.body).byteLength);
  });
});
