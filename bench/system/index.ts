/**
 * `npm run bench:system`: the whole system under a show night's mix, in rising open-loop steps.
 * See bench/system/README.md for what it measures and the figures.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { codeVersion, ROOT } from '../lib/dev-stack';
import { stackProcesses } from '../lib/procs';
import { prng } from '../read/keys';
import { IsolateProfiler } from '../room/profile';
import { pickKeys } from './keys';
import { compare, type RunResult, stepTable, summary, verdicts } from './report';
import { mixPicker, runStep, type StepFigures } from './run';
import { startSystemStack } from './stack';
import { type Profile, ROUTES, type RouteName, Traffic } from './traffic';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '10,20,40,60,80' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
    profile: { type: 'string', default: 'bench/system/profiles/show-night.json' },
    mix: { type: 'string' },
    'database-url': { type: 'string' },
    ref: { type: 'string' },
    baseline: { type: 'string' },
    out: { type: 'string' },
    label: { type: 'string' },
    port: { type: 'string', default: '8910' },
    'relay-port': { type: 'string', default: '30510' },
    'inspector-port': { type: 'string', default: '9410' },
    'keep-going': { type: 'boolean', default: false },
    'rate-limit': { type: 'string', default: '1000000' },
    users: { type: 'string' },
    'cpu-profile': { type: 'string' },
    'log-level': { type: 'string' },
    'cpu-profile-step': { type: 'string' },
  },
});

const log = (line: string) => console.log(`[bench:system] ${line}`);
const steps = args.steps.split(',').map(Number);
const seconds = Number(args.seconds);
const profile = JSON.parse(readFileSync(resolve(ROOT, args.profile), 'utf8')) as Profile;
if (args.mix) {
  profile.mix = {};
  for (const part of args.mix.split(',')) {
    const [route, weight] = part.split('=');
    if (!ROUTES.includes(route as RouteName)) throw new Error(`unknown route ${route}; routes: ${ROUTES.join(', ')}`);
    profile.mix[route as RouteName] = Number(weight ?? 1);
  }
}
if (args.users) profile.users = Number(args.users);
const usesSockets = (profile.mix.vote_ws ?? 0) > 0;

interface Target {
  label: string;
  ref: string | undefined;
  database: string;
  traffic: Traffic;
  procs: ReturnType<typeof stackProcesses>;
  inspectorPort: number;
  pick: () => RouteName;
  steps: StepFigures[];
  done: boolean;
  stop: () => Promise<void>;
}

/** Starts one stack (ports offset by `slot`), logs its fans in and opens the rooms' sockets. */
async function prepare(label: string, ref: string | undefined, slot: number): Promise<Target> {
  const port = Number(args.port) + slot;
  const database = args['database-url'] ? `PostgreSQL ${args['database-url'].replace(/:[^:@/]*@/, ':***@')}` : 'PGlite';
  log(`${label}: starting the stack (${codeVersion(ref)}, ${database}) on 127.0.0.1:${port}`);
  const stack = await startSystemStack({
    port,
    relayPort: Number(args['relay-port']) + slot,
    inspectorPort: Number(args['inspector-port']) + slot,
    // Under MYSETLIST_DATA_DIR when set: two engineers' benches on one machine must not share (and wipe) one.
    dataDir: `${process.env.MYSETLIST_DATA_DIR ?? '/tmp/data-system'}/bench-system-${slot}`,
    databaseUrl: args['database-url'],
    ref,
    logFile: resolve(ROOT, `.data/bench-system/${label}.log`),
    // --log-level warn: wrangler dev relays every console line of the workers through the DevTools inspector to its
    // node process (CPU per request that production does not spend); both stacks get the same level.
    devVars: {
      RATE_LIMIT_REQUESTS: args['rate-limit'],
      ...(args['log-level'] ? { LOG_LEVEL: args['log-level'] } : {}),
    },
  });
  try {
    const keys = await pickKeys(stack.url, stack.relay, profile, log);
    const traffic = new Traffic(
      stack.url,
      keys,
      { ...profile, socketsPerRoom: usesSockets ? profile.socketsPerRoom : 0 },
      prng(11),
    );
    await traffic.connect(log);
    const procs = stackProcesses(port, stack.pid).filter((p) => !p.role.includes('launcher'));
    const pick = mixPicker(profile.mix, prng(13));
    return {
      label,
      ref,
      database,
      traffic,
      procs,
      inspectorPort: Number(args['inspector-port']) + slot,
      pick,
      steps: [],
      done: false,
      stop: async () => {
        traffic.close();
        await stack.stop();
      },
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

/**
 * `--cpu-profile mysetlist-api [--cpu-profile-step 60]`: a V8 CPU profile of that worker's isolate during one
 * step (the first by default), on each stack, to see where a request's CPU goes. Sampling costs the isolate
 * some CPU: that step's latency figures are not comparable with an unprofiled run.
 */
async function maybeProfile(t: Target, rate: number): Promise<IsolateProfiler | undefined> {
  const worker = args['cpu-profile'];
  if (!worker || rate !== Number(args['cpu-profile-step'] ?? steps[0])) return undefined;
  // The api's isolate answers its profiler only through wrangler's own inspector (workerd's internal one leaves
  // Profiler.enable unanswered for it); the other workers are found on workerd's.
  const profiler = await (worker === 'mysetlist-api'
    ? IsolateProfiler.connect(`ws://127.0.0.1:${t.inspectorPort}/ws`, worker)
    : IsolateProfiler.attach(t.procs, worker)
  ).catch(() => undefined);
  if (!profiler) log(`${t.label}: WARNING: --cpu-profile: ${worker} not found in workerd's inspector`);
  await profiler?.start();
  return profiler;
}

async function printProfile(profiler: IsolateProfiler, label: string, rate: number): Promise<void> {
  const dir = resolve(ROOT, '.data/bench-system');
  mkdirSync(dir, { recursive: true });
  const summary = await profiler.stop(resolve(dir, `${label}-${rate}.cpuprofile`), 25);
  log(
    `${label}: CPU profile of ${summary.target} at ${rate}/s: isolate running ${summary.busyPct.toFixed(1)} % of ` +
      `${(summary.durationMs / 1000).toFixed(1)} s, not entered (no samples) ${(summary.outsideMs / 1000).toFixed(1)} s ` +
      `(${summary.file}); self time, % of wall, samples:`,
  );
  for (const f of summary.top)
    log(
      `  ${f.selfPct.toFixed(1).padStart(5)} %  ${f.selfMs.toFixed(0).padStart(6)} ms  ${String(f.samples).padStart(5)}  ${f.fn}`,
    );
}

/**
 * With --ref, both stacks run side by side and each step is run on one, then on the other (alternating which
 * goes first), so that both see the same machine: other engineers' load on this shared machine changes by the
 * minute, and a before/after taken minutes apart measures that as much as the code.
 */
const targets: Target[] = [];
try {
  if (args.ref) targets.push(await prepare(`ref-${args.ref}`, args.ref, 1));
  targets.push(await prepare(args.label ?? 'current', undefined, 0));
  if (Number(args.warmup) > 0)
    for (const t of targets) {
      log(`${t.label}: warm-up, ${args.warmup} s at ${steps[0]}/s (not reported)`);
      await runStep(t.traffic, t.pick, steps[0]!, Number(args.warmup), t.procs, 0);
    }
  for (const [i, rate] of steps.entries()) {
    const order = i % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      if (t.done) continue;
      const profiler = await maybeProfile(t, rate);
      const step = await runStep(
        t.traffic,
        t.pick,
        rate,
        seconds,
        t.procs,
        (i + 1) * 1_000_000,
        Boolean(args['database-url']),
      );
      if (profiler) await printProfile(profiler, t.label, rate);
      t.steps.push(step);
      console.log(`${t.label}: ${stepTable(step)}`);
      if (!args['keep-going'] && (step.all.p95Ms > 3000 || step.errors > step.requests * 0.1)) {
        log(`${t.label}: no further steps, this one is far past the target`);
        t.done = true;
      }
    }
    if (targets.every((t) => t.done)) break;
  }
} finally {
  for (const t of targets) await t.stop();
}

const runs: RunResult[] = targets.map((t) => ({
  label: t.label,
  code: codeVersion(t.ref),
  database: t.database,
  profile: args.mix ? `mix ${args.mix}` : args.profile,
  startedAt: new Date().toISOString(),
  steps: t.steps,
  ...verdicts(t.steps),
}));
/** A saved JSON holds one run, or (with --ref) the ref's and the working tree's: the last is the one measured. */
const saved = args.baseline ? (JSON.parse(readFileSync(args.baseline, 'utf8')) as RunResult | RunResult[]) : undefined;
const baseline = saved ? (Array.isArray(saved) ? saved[saved.length - 1] : saved) : runs[0];
for (const run of runs) console.log(summary(run));
const last = runs[runs.length - 1]!;
if (baseline && baseline !== last) console.log(compare(baseline, last));
const out = args.out ?? `.data/bench-system/${last.label}.json`;
mkdirSync(resolve(ROOT, out, '..'), { recursive: true });
writeFileSync(resolve(ROOT, out), JSON.stringify(runs.length === 1 ? last : runs, null, 2));
log(`JSON: ${out}`);
process.exit(0);
