/** The bench's table and verdicts, and the comparison with a baseline run (another commit, or a saved JSON). */

import type { StepFigures } from './run';
import type { RouteName } from './traffic';

export interface RunResult {
  label: string;
  code: string;
  database: string;
  profile: string;
  startedAt: string;
  steps: StepFigures[];
  /** Highest achieved rate of the whole mix with p95 < 200 ms and no errors (0: none). */
  sustainable: number;
  /** Per route: its own highest achieved rate at a step where its p95 < 200 ms and it had no errors. */
  routeSustainable: Partial<Record<RouteName, number>>;
}

export const P95_TARGET_MS = 200;

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
const pad = (s: string, n: number) => s.padStart(n);

export function verdicts(steps: StepFigures[]): Pick<RunResult, 'sustainable' | 'routeSustainable'> {
  let sustainable = 0;
  const routeSustainable: RunResult['routeSustainable'] = {};
  for (const step of steps) {
    if (step.all.p95Ms < P95_TARGET_MS && step.errors === 0 && step.perS >= step.rate * 0.9)
      sustainable = Math.max(sustainable, step.perS);
    for (const [route, r] of Object.entries(step.routes) as [
      RouteName,
      NonNullable<StepFigures['routes'][RouteName]>,
    ][])
      if (r.latency.p95Ms < P95_TARGET_MS && r.errors === 0)
        routeSustainable[route] = Math.max(routeSustainable[route] ?? 0, r.perS);
  }
  return { sustainable, routeSustainable };
}

const statusText = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .filter(([s]) => !/^(2\d\d|3\d\d|ws:ok)$/.test(s))
    .map(([s, n]) => `${s}×${n}`)
    .join(' ') || '-';

export function stepTable(step: StepFigures): string {
  const lines = [
    `step ${step.rate}/s for ${step.seconds} s: achieved ${f1(step.perS)}/s, p50 ${f0(step.all.p50Ms)} ms, p95 ${f0(step.all.p95Ms)} ms, p99 ${f0(step.all.p99Ms)} ms, errors ${step.errors}, sent late p95 ${f1(step.sendLag.p95Ms)} ms, most in flight ${step.maxInFlight}`,
    `  ${'route'.padEnd(18)}${pad('/s', 8)}${pad('p50', 8)}${pad('p95', 8)}${pad('p99', 8)}  errors`,
  ];
  for (const [route, r] of Object.entries(step.routes).sort(([a], [b]) => a.localeCompare(b)))
    lines.push(
      `  ${route.padEnd(18)}${pad(f1(r!.perS), 8)}${pad(f0(r!.latency.p50Ms), 8)}${pad(f0(r!.latency.p95Ms), 8)}${pad(f0(r!.latency.p99Ms), 8)}  ${statusText(r!.statuses)}`,
    );
  lines.push(
    `  CPU per request: ${step.processes
      .filter((p) => p.cpuS > 0.05)
      .map((p) => `${p.role} ${f2(p.msPerRequest)} ms (${f0(p.pct)} %)`)
      .join(', ')}`,
  );
  return lines.join('\n');
}

export function summary(run: RunResult): string {
  const routes = Object.entries(run.routeSustainable)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, v]) => `${r} ${f1(v!)}`)
    .join(', ');
  return [
    `${run.label}: ${run.code}, ${run.database}`,
    `  mix sustainable at p95 < ${P95_TARGET_MS} ms with no errors: ${f1(run.sustainable)} requests/s`,
    `  per route (its own rate at the best passing step): ${routes}`,
  ].join('\n');
}

/** Side by side: the mix's and each route's sustainable rate, and CPU per request at the rates both ran. */
export function compare(before: RunResult, after: RunResult): string {
  const ratio = (a: number, b: number) => (a > 0 ? `${(b / a).toFixed(2)}×` : b > 0 ? '∞' : '-');
  const lines = [
    `comparison: ${before.label} (${before.code}) → ${after.label} (${after.code})`,
    `  mix sustainable: ${f1(before.sustainable)} → ${f1(after.sustainable)} requests/s (${ratio(before.sustainable, after.sustainable)})`,
  ];
  const routes = new Set([...Object.keys(before.routeSustainable), ...Object.keys(after.routeSustainable)]);
  for (const r of [...routes].sort()) {
    const a = before.routeSustainable[r as RouteName] ?? 0;
    const b = after.routeSustainable[r as RouteName] ?? 0;
    lines.push(`  ${r.padEnd(18)} ${pad(f1(a), 8)} → ${pad(f1(b), 8)} /s  ${ratio(a, b)}`);
  }
  for (const sb of before.steps) {
    const sa = after.steps.find((s) => s.rate === sb.rate);
    if (!sa) continue;
    const cpu = (s: StepFigures) =>
      s.processes
        .filter((p) => p.cpuS > 0.05)
        .map((p) => `${p.role} ${f2(p.msPerRequest)}`)
        .join(', ');
    lines.push(
      `  at ${sb.rate}/s: p95 ${f0(sb.all.p95Ms)} → ${f0(sa.all.p95Ms)} ms; CPU ms/request ${cpu(sb)} → ${cpu(sa)}`,
    );
  }
  return lines.join('\n');
}
