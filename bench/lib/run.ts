/** What every bench run has: when it started, where its files go, how long each phase took, and its exit. */
import { resolve } from 'node:path';
import { ROOT } from './dev-stack';

export function benchRun() {
  const startedAt = new Date();
  const phases: Record<string, number> = {};
  let mark = performance.now();
  /** Records the time since the previous phase ended as `name`'s. */
  const phase = (name: string) => {
    phases[name] = (performance.now() - mark) / 1000;
    mark = performance.now();
  };
  return {
    startedAt,
    /** The start time in file names. */
    stamp: startedAt.toISOString().replace(/[:.]/g, '-'),
    resultsDir: resolve(ROOT, 'bench/results'),
    phases,
    phase,
  };
}

/** Runs a bench's `main` and exits with its code; anything it throws exits 2 with the stack. */
export function runMain(tag: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`[${tag}] failed:`, err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(2);
    },
  );
}
