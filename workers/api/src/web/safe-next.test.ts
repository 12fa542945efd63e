import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next';

describe('safeNext', () => {
  it('keeps paths on this site, with their query and fragment', () => {
    expect(safeNext('/account')).toBe('/account');
    expect(safeNext('/shows/x?tab=live#top')).toBe('/shows/x?tab=live#top');
    expect(safeNext('/a/../b')).toBe('/b');
  });

  it('refuses anything a browser could read as another site', () => {
    for (const next of [
      undefined,
      '',
      'account',
      'https://evil.example/',
      '//evil.example',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/\r\n/evil.example',
      '\t//evil.example',
      '/%0A/x\u0000',
      'javascript:alert(1)',
      '/\u0085/evil.example',
    ])
      expect(safeNext(next), JSON.stringify(next)).toBe('/');
  });

  it('uses the fallback it is given', () => {
    expect(safeNext('//evil.example', '/account')).toBe('/account');
  });
});
