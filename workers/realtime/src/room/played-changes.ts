import type { PlayedEntry } from '#shared/schemas/scoring';

/** One message's worth of change to the actual setlist, in the order clients must apply them. */
export type PlayedChange = { type: 'played'; entry: PlayedEntry } | { type: 'unplayed'; entry: PlayedEntry };

const same = (a: PlayedEntry, b: PlayedEntry) => a.songId === b.songId && a.title === b.title;

/**
 * The messages that turn the setlist `before` into `after`, both in play order (positions 1..n). The live
 * cases are one message each: a song appended (`played`), or one song removed anywhere (`unplayed`, the later
 * songs move up). Anything else (an import replacing the list) removes the differing tail from the end, then
 * appends the new tail: every `unplayed` then removes the last song, every `played` appends.
 */
export function playedChanges(before: readonly PlayedEntry[], after: readonly PlayedEntry[]): PlayedChange[] {
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && same(before[prefix]!, after[prefix]!)) prefix++;
  if (
    after.length === before.length - 1 &&
    before.slice(prefix + 1).every((entry, i) => same(entry, after[prefix + i]!))
  ) {
    return [{ type: 'unplayed', entry: before[prefix]! }];
  }
  const changes: PlayedChange[] = [];
  for (let i = before.length - 1; i >= prefix; i--) changes.push({ type: 'unplayed', entry: before[i]! });
  for (let i = prefix; i < after.length; i++) changes.push({ type: 'played', entry: after[i]! });
  return changes;
}
