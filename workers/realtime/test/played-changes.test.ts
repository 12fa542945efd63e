import { describe, expect, it } from 'vitest';
import { playedChanges } from '../src/room/played-changes';

const list = (...titles: string[]) => titles.map((title, i) => ({ position: i + 1, songId: null, title }));

describe('the messages that turn one actual setlist into another', () => {
  it('appending is one `played`; removing one song anywhere is one `unplayed`', () => {
    expect(playedChanges(list('a'), list('a', 'b'))).toEqual([
      { type: 'played', entry: { position: 2, songId: null, title: 'b' } },
    ]);
    expect(playedChanges(list('a', 'b', 'c'), list('a', 'c'))).toEqual([
      { type: 'unplayed', entry: { position: 2, songId: null, title: 'b' } },
    ]);
    expect(playedChanges(list('a', 'b'), list('a'))).toEqual([
      { type: 'unplayed', entry: { position: 2, songId: null, title: 'b' } },
    ]);
    expect(playedChanges(list('a', 'b'), list('a', 'b'))).toEqual([]);
  });

  it('replaces a differing tail from the end, then appends the new one', () => {
    expect(
      playedChanges(list('a', 'b', 'c'), list('a', 'x', 'y', 'z')).map((c) => [
        c.type,
        c.entry.position,
        c.entry.title,
      ]),
    ).toEqual([
      ['unplayed', 3, 'c'],
      ['unplayed', 2, 'b'],
      ['played', 2, 'x'],
      ['played', 3, 'y'],
      ['played', 4, 'z'],
    ]);
  });
});
