import { describe, expect, it } from 'vitest';
import { normalizeSql, sqlFingerprint } from './fingerprint';

describe('sqlFingerprint', () => {
  it('is the same for the same statement with other values, spacing and list lengths', () => {
    const a = sqlFingerprint("select * from votes where user_id = 'abc' and n in (1, 2, 3)");
    const b = sqlFingerprint("SELECT *   FROM votes\n where user_id = 'x''y' and n in (7)");
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(sqlFingerprint('select * from votes where id = $1')).toBe(
      sqlFingerprint('select * from votes where id = $9'),
    );
  });

  it('differs between statements and keeps no literal', () => {
    expect(sqlFingerprint('select 1 from votes')).not.toBe(sqlFingerprint('select 1 from shows'));
    expect(normalizeSql("select * from users where email = 'fan@example.com' -- who")).toBe(
      'select * from users where email = ?',
    );
  });
});
