/** How the benches print figures and save their results. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A figure with `digits` decimals; '–' for none. */
export const f = (n: number | undefined, digits = 1) =>
  n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);

/** A whole number with thousands separators; '–' for none. */
export const int = (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US');

/**
 * Rows as aligned columns: the first `leftColumns` padded on the right (names), the rest on the left (figures);
 * `trimEnd` drops the padding at the end of each line.
 */
export function table(rows: string[][], leftColumns: number, trimEnd: boolean): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => {
      const line = r
        .map((cell, c) => (c < leftColumns ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ');
      return trimEnd ? line.trimEnd() : line;
    })
    .join('\n');
}

/** Saves a run's result as JSON and says where. */
export function writeResult(path: string, result: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nJSON: ${path}`);
}
