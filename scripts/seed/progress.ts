/** Human-readable progress on stderr, at most about one line per second so big seeds don't flood it. */
import type { SeedProgress } from './index';
import type { SeedCounts } from './rows';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const pct = (done: number, total: number) => `${Math.floor((100 * done) / Math.max(total, 1))}%`;

function line(p: SeedProgress): string {
  const c = p.counts;
  switch (p.table) {
    case 'artists':
    case 'songs':
      return `artists ${c.artists}/${p.plan.artists} (${pct(c.artists, p.plan.artists)}) songs ${c.songs}`;
    case 'venues':
      return `venues ${c.venues}/${p.plan.venues} (${pct(c.venues, p.plan.venues)})`;
    case 'users':
    case 'follows':
      return `users ${c.users}/${p.plan.users} (${pct(c.users, p.plan.users)}) follows ${c.follows}`;
    default:
      // Votes and setlist songs have no exact total in advance; shows do and drive the percentage.
      return `votes ${c.votes} setlist_songs ${c.setlistSongs} shows ${c.shows}/${p.plan.shows} (${pct(c.shows, p.plan.shows)})`;
  }
}

export interface ProgressReporter {
  report(progress: SeedProgress): void;
  /** Prints the last throttled line, so each phase ends on its final numbers. */
  flush(): void;
}

export function progressReporter(write: (text: string) => void = (t) => process.stderr.write(t)): ProgressReporter {
  let lastAt = -Infinity;
  let lastPhase = '';
  let unprinted: string | undefined;
  const flush = () => {
    if (unprinted) write(unprinted);
    unprinted = undefined;
  };
  return {
    report(p) {
      const text = `${line(p)} ${seconds(p.elapsedMs)}\n`;
      const phase = text.split(' ')[0]!;
      if (phase !== lastPhase) flush();
      if (phase === lastPhase && p.elapsedMs - lastAt < 1000) {
        unprinted = text;
        return;
      }
      lastAt = p.elapsedMs;
      lastPhase = phase;
      unprinted = undefined;
      write(text);
    },
    flush,
  };
}

export function summary(counts: SeedCounts, elapsedMs: number): string {
  const rows = Object.entries(counts).map(([k, v]) => `  ${k.padEnd(13)} ${v.toLocaleString('en-US').padStart(12)}`);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return [
    ...rows,
    `  ${'total rows'.padEnd(13)} ${total.toLocaleString('en-US').padStart(12)}`,
    `  elapsed       ${seconds(elapsedMs).padStart(12)}`,
  ].join('\n');
}
