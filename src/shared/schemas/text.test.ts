import { describe, expect, it } from 'vitest';
import { escapedJson, escapedText, isStorableText } from './text';

describe('escapedText / escapedJson', () => {
  it('spells out NULs and lone surrogates as \\uXXXX and leaves storable text alone', () => {
    expect(escapedText('a\u0000b')).toBe('a\\u0000b');
    expect(escapedText('x\uD800y\uDC01')).toBe('x\\ud800y\\udc01');
    expect(escapedText('ok 😀')).toBe('ok 😀');
    expect(isStorableText(escapedText('\u0000\uDFFF'))).toBe(true);
  });

  it('reaches every string of a JSON value, keys too', () => {
    expect(escapedJson({ 'k\u0000': ['v\u0000', 1, null, { n: 'm\u0000' }] })).toEqual({
      'k\\u0000': ['v\\u0000', 1, null, { n: 'm\\u0000' }],
    });
  });
});
