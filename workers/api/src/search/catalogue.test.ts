import { describe, expect, it } from 'vitest';
import { normalizeQuery, textQuery } from './catalogue';

describe('textQuery', () => {
  it('asks for any of the words, the last one also as a prefix, accent-free and lower-cased', () => {
    expect(textQuery('Wild Ponies')).toBe("'wild' | 'ponies':*");
    expect(textQuery('  MÖTLEY  Crüe ')).toBe("'motley' | 'crue':*");
    expect(textQuery('concerts')).toBe("'concerts':*");
  });

  it('keeps a short last word whole (as you type, "zu" is not yet a prefix worth scanning for)', () => {
    expect(textQuery('metallica zu')).toBe("'metallica' | 'zu'");
    expect(textQuery('u2 live')).toBe("'u2' | 'live':*");
  });

  it('leaves out everything that is not a letter or a digit, so nothing in it is tsquery syntax', () => {
    expect(textQuery("guns n' roses")).toBe("'guns' | 'n' | 'roses':*");
    expect(textQuery("a'b|c&d:*!(e)<->f\\g")).toBe("'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g'");
    expect(textQuery('AC/DC')).toBe("'ac' | 'dc'");
  });

  it('is undefined for what is shorter than three characters or has no word at all', () => {
    for (const q of ['me', 'é', '%%%', '_-_', ' ', "'':*"]) expect(textQuery(q), q).toBeUndefined();
    expect(normalizeQuery('ÉTÉ')).toBe('ete');
    expect(textQuery('été')).toBe("'ete':*");
  });
});
