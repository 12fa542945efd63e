import { describe, expect, it } from 'vitest';
import { unnestParams } from './unnest';

describe('unnestParams', () => {
  it('turns rows into one array per column, in the order given, converting where asked', () => {
    const rows = [
      { id: 'a', n: 1, data: { x: 1 } },
      { id: 'b', n: 2, data: { x: 2 } },
    ];
    expect(unnestParams(rows, ['n', 'id', (r) => JSON.stringify(r.data)])).toEqual([
      [1, 2],
      ['a', 'b'],
      ['{"x":1}', '{"x":2}'],
    ]);
  });

  it('gives empty columns for no rows', () => {
    expect(unnestParams([] as { id: string }[], ['id'])).toEqual([[]]);
  });
});
