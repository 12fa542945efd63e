/**
 * `npm run bench:system`: the whole system under a show night's mix, in rising open-loop steps.
 * See bench/system/README.md for what it measures and the figures.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { prng } from '../read/keys';
import { stackProcesses } from '../room/procs';
import { codeVersion, ROOT } from '../room/stack';
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
    'relay-port': { type: 'string', default: '54510' },
    'inspector-port': { type: 'string', default: '9410' },
    'keep-going': { type: 'boolean', default: false },
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
const usesSockets = (profile.mix.vote_ws ?? 0) > 0;

async function benchOne(label: string, ref: string | undefined): Promise<RunResult> {
  const port = Number(args.port);
  const database = args['database-url'] ? `PostgreSQL ${args['database-url'].replace(/:[^:@/]*@/, ':***@')}` : 'PGlite';
  log(`${label}: starting the stack (${codeVersion(ref)}, ${database}) on 127.0.0.1:${port}`);
  const stack = await startSystemStack({
    port,
    relayPort: Number(args['relay-port']),
    inspectorPort: Number(args['inspector-port']),
    dataDir: `/tmp/data-system/bench-system`,
    databaseUrl: args['database-url'],
    ref,
    logFile: resolve(ROOT, `.data/bench-system/${label}.log`),
    devVars: { RATE_LIMIT_REQUESTS: '1000000' },
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
    if (Number(args.warmup) > 0) {
      log(`warm-up: ${args.warmup} s at ${steps[0]}/s (not reported)`);
      await runStep(traffic, pick, steps[0]!, Number(args.warmup), procs, 0);
    }
    const results: StepFigures[] = [];
    for (const [i, rate] of steps.entries()) {
      const step = await runStep(traffic, pick, rate, seconds, procs, (i + 1) * 1_000_000);
      results.push(step);
      console.log(stepTable(step));
      if (!args['keep-going'] && (step.all.p95Ms > 3000 || step.errors > step.requests * 0.1)) {
        log('stopping: this step is far past the target');
        break;
      }
    }
    traffic.close();
    return {
      label,
      code: codeVersion(ref),
      database,
      profile: args.mix ? `mix ${args.mix}` : args.profile,
      startedAt: new Date().toISOString(),
      steps: results,
      ...verdicts(results),
    };
  } finally {
    await stack.stop();
  }
}

const runs: RunResult[] = [];
if (args.ref) runs.push(await benchOne(`ref-${args.ref}`, args.ref));
runs.push(await benchOne(args.label ?? 'current', undefined));
const baseline = args.baseline ? (JSON.parse(readFileSync(args.baseline, 'utf8')) as RunResult) : runs[0];
for (const run of runs) console.log(summary(run));
const last = runs[runs.length - 1]!;
if (baseline && baseline !== last) console.log(compare(baseline, last));
const out = args.out ?? `.data/bench-system/${last.label}.json`;
mkdirSync(resolve(ROOT, out, '..'), { recursive: true });
writeFileSync(resolve(ROOT, out), JSON.stringify(runs.length === 1 ? last : runs, null, 2));
log(`JSON: ${out}`);
process.exit(0);
