/** Command-line options of `npm run bench:room`. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Base URL of a running stack; undefined: the bench starts (and stops) its own. */
  url: string | undefined;
  /** host:port of the stack's Neon relay (required with --url). */
  relay: string | undefined;
  sockets: number;
  voters: number;
  /** Target votes per second, all voters together. */
  rate: number;
  durationS: number;
  tickMs: number;
  /** Setlist size; by default enough for every voter to vote rate×duration/voters times. */
  setlistSongs: number;
  /** ROOM_SOCKET_MESSAGES_PER_SECOND for a stack the bench starts; undefined keeps the worker default (20). */
  socketLimit: number | undefined;
  /** LOG_LEVEL of a stack the bench starts (its workers' default when absent). */
  logLevel: 'debug' | 'info' | 'warn' | 'error' | undefined;
  baseline: boolean;
  /** Run a stack the bench starts from a snapshot copy of the working tree (see stack.ts). */
  isolate: boolean;
  /** Run a stack the bench starts from this commit instead of the working tree. */
  ref: string | undefined;
  /** Connect to the workers' workerd directly, bypassing wrangler's dev proxy (a dev-only hop). */
  direct: boolean;
  /** Sample the room's isolate with V8's CPU profiler during the drive (see profile.ts). */
  profile: boolean;
  baselineDurationS: number;
  /** Sockets opened concurrently while ramping up. */
  rampBatch: number;
  drainTimeoutS: number;
  json: string | undefined;
  /** Port of a stack the bench starts (its dev proxy); the fan-out tier and the bare DO take the next ones. */
  port: number;
  relayPort: number;
  /** wrangler's inspector port of the stack; the fan-out tier and the bare DO take the next ones. */
  inspectorPort: number;
  /** ROOM_SHARDS of the stack's realtime worker: "auto", "0" (off) or a count; undefined keeps its default. */
  shards: string | undefined;
  /** ROOM_SHARD_CAPACITY: sockets per shard; undefined keeps the worker's default. */
  shardCapacity: number | undefined;
  /** Run the rooms in a `wrangler dev` of their own, the shards beside the api (scripts/fanout-split.ts). */
  split: boolean;
  /** Harness threads the sockets are spread over. */
  threads: number;
  /** Connect all sockets within this many seconds (a connect storm) instead of in batches. */
  stormS: number | undefined;
  /** Signed-in fans joining per second during the drive, each voting `joinVotes` songs and leaving. */
  joinRate: number;
  joinVotes: number;
  /** Distinct users those fans are drawn from (signed up in the fixture). */
  joinUsers: number;
  /** Also run the bare Durable Object baseline (bench/room/do-baseline). */
  doBaseline: boolean;
  /** The arguments as given, to print the command that reproduces the run. */
  argv: string[];
}

export const STACK_PORT = 8791;
// Below 32768: Linux hands out 32768–60999 as ephemeral source ports, so a bench with thousands of sockets (or
// anything else on the machine) can hold a port up there and the relay cannot listen (EADDRINUSE).
export const STACK_RELAY_PORT = 30391;
export const STACK_INSPECTOR_PORT = 9391;
/** The realtime worker's default, used to warn about rates that would be rate-limited. */
export const DEFAULT_SOCKET_LIMIT = 20;
/** Artist catalogue size of the fixture (the setlist is a subset). */
export const MIN_ARTIST_SONGS = 200;

const HELP = `npm run bench:room -- [options]

  --url URL            target a running stack (e.g. http://127.0.0.1:8787); default: start one on :${STACK_PORT}
  --relay HOST:PORT    its Neon relay (required with --url)
  --sockets N          WebSockets in the room (default 2000)
  --voters M           of which authenticated voters (default 200)
  --rate R             votes per second, all voters together (default 1000)
  --duration S         seconds of voting (default 30)
  --tick-ms T          ROOM_TICK_MS of a stack the bench starts, and the baseline's tick (default 50)
  --setlist N          songs on the show's setlist (default: max(150, votes per voter))
  --socket-limit N     ROOM_SOCKET_MESSAGES_PER_SECOND of a stack the bench starts (default: worker default 20)
  --log-level L        LOG_LEVEL of a stack the bench starts (debug|info|warn|error; default: the workers' info):
                       wrangler dev relays every console line through the DevTools inspector to its node process
  --baseline-duration S  seconds of voting against the bare ws baseline (default: --duration)
  --no-baseline        skip the baseline
  --no-isolate         run a stack the bench starts in the working tree instead of a snapshot copy
  --ref COMMIT         run a stack the bench starts from a commit (git archive), e.g. HEAD, not the working tree
  --direct             connect sockets straight to the workers' workerd, bypassing wrangler's dev proxy
  --profile            CPU-profile the realtime worker's isolate during the drive: top functions by self time,
                       the raw .cpuprofile beside the JSON (open it in Chrome DevTools)
  --ramp-batch N       sockets connected concurrently while ramping up (default 100)
  --drain-timeout S    how long to wait for Postgres to catch up (default 60)
  --json FILE          where to write the JSON result (default bench/results/room-<timestamp>.json)

  --port P             port of a stack the bench starts (default ${STACK_PORT}); the rooms' process gets P+1, the
                       bare DO baseline P+2 (pick ports nobody else uses)
  --relay-port P       its Neon relay (default ${STACK_RELAY_PORT})
  --inspector-port P   wrangler's inspector for the stack (default ${STACK_INSPECTOR_PORT}); +1 rooms, +2 bare DO
  --shards N|auto      ROOM_SHARDS of the stack's realtime worker ("0" = off, one object as today)
  --shard-capacity N   ROOM_SHARD_CAPACITY: sockets per fan-out shard
  --split              run the rooms (and the queue consumers) in a wrangler dev of their own, bound through
                       wrangler's dev registry; the api and the fan-out shards keep the first process, so a
                       shard's sockets are its own (scripts/fanout-split.ts)
  --threads T          harness threads the sockets are spread over (default: one per 1,500 sockets, max 4)
  --storm S            connect every socket within S seconds, not waiting for snapshots (a connect storm);
                       with --duration 0 only the storm is measured
  --join-rate R        signed-in fans joining per second during the drive, each voting --join-votes songs
                       (default 3) and leaving once acked
  --join-users N       distinct users those fans sign in as (default: min(fans, 1000)); signed up in the fixture
  --do-baseline        also run the bare Durable Object room (bench/room/do-baseline) under the same load
  --model [FILE]       print the capacity model for a 50,000-fan show from a result JSON (default: the newest
                       bench/results/room-*.json), and exit
`;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

function logLevelOf(raw: string | undefined): BenchOptions['logLevel'] {
  if (raw === undefined) return undefined;
  const level = LOG_LEVELS.find((l) => l === raw);
  if (!level) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      relay: { type: 'string' },
      sockets: { type: 'string', default: '2000' },
      voters: { type: 'string', default: '200' },
      rate: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '30' },
      'tick-ms': { type: 'string', default: '50' },
      setlist: { type: 'string' },
      'socket-limit': { type: 'string' },
      'log-level': { type: 'string' },
      'baseline-duration': { type: 'string' },
      'no-baseline': { type: 'boolean', default: false },
      'no-isolate': { type: 'boolean', default: false },
      direct: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      ref: { type: 'string' },
      'ramp-batch': { type: 'string', default: '100' },
      'drain-timeout': { type: 'string', default: '60' },
      json: { type: 'string' },
      port: { type: 'string', default: String(STACK_PORT) },
      'relay-port': { type: 'string', default: String(STACK_RELAY_PORT) },
      'inspector-port': { type: 'string', default: String(STACK_INSPECTOR_PORT) },
      shards: { type: 'string' },
      'shard-capacity': { type: 'string' },
      split: { type: 'boolean', default: false },
      threads: { type: 'string' },
      storm: { type: 'string' },
      'join-rate': { type: 'string', default: '0' },
      'join-votes': { type: 'string', default: '3' },
      'join-users': { type: 'string' },
      'do-baseline': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const int = (name: string, raw: string | undefined, min: number): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min} (got ${raw})`);
    return n;
  };
  const sockets = int('sockets', values.sockets, 1);
  const voters = int('voters', values.voters, 1);
  const rate = int('rate', values.rate, 1);
  const durationS = int('duration', values.duration, values.storm ? 0 : 1);
  if (values.shards !== undefined && !/^(auto|\d+)$/.test(values.shards))
    throw new Error(`--shards must be auto or a number (got ${values.shards})`);
  const joinRate = int('join-rate', values['join-rate'], 0);
  const joinVotes = int('join-votes', values['join-votes'], 1);
  const fans = Math.floor(joinRate * durationS);
  const joinUsers = values['join-users'] ? int('join-users', values['join-users'], 1) : Math.min(fans, 1000);
  if (voters > sockets) throw new Error('--voters cannot exceed --sockets');
  if (values.ref !== undefined && !/^[\w./~^-]+$/.test(values.ref))
    throw new Error(`--ref: not a git ref: ${values.ref}`);
  if (values.url && !values.relay)
    throw new Error("--url needs --relay HOST:PORT (the stack's Neon relay) for the Postgres checks");
  const baselineDurationS = values['baseline-duration']
    ? int('baseline-duration', values['baseline-duration'], 1)
    : durationS;
  const votesPerVoter = Math.ceil((rate * Math.max(durationS, baselineDurationS)) / voters);
  const setlistSongs = values.setlist ? int('setlist', values.setlist, 1) : Math.max(150, votesPerVoter);
  // One vote per voter per song: a voter who runs out of songs could only be refused.
  if (votesPerVoter > setlistSongs) {
    throw new Error(
      `each voter must cast ${votesPerVoter} votes but the setlist has ${setlistSongs} songs (one vote per voter per song): raise --voters or --setlist, or shorten --duration`,
    );
  }
  if (joinRate > 0 && Math.ceil(fans / joinUsers) * joinVotes > setlistSongs)
    throw new Error(
      `--join-rate: each of ${joinUsers} joining users would vote ${Math.ceil(fans / joinUsers) * joinVotes} songs but the setlist has ${setlistSongs}: raise --join-users`,
    );
  return {
    url: values.url?.replace(/\/$/, ''),
    relay: values.relay,
    sockets,
    voters,
    rate,
    durationS,
    tickMs: int('tick-ms', values['tick-ms'], 1),
    setlistSongs,
    socketLimit: values['socket-limit'] ? int('socket-limit', values['socket-limit'], 1) : undefined,
    logLevel: logLevelOf(values['log-level']),
    baseline: !values['no-baseline'],
    isolate: !values['no-isolate'],
    ref: values.ref,
    direct: values.direct ?? false,
    profile: values.profile ?? false,
    baselineDurationS,
    rampBatch: int('ramp-batch', values['ramp-batch'], 1),
    drainTimeoutS: int('drain-timeout', values['drain-timeout'], 1),
    json: values.json,
    port: int('port', values.port, 1),
    relayPort: int('relay-port', values['relay-port'], 1),
    inspectorPort: int('inspector-port', values['inspector-port'], 1),
    shards: values.shards,
    shardCapacity: values['shard-capacity'] ? int('shard-capacity', values['shard-capacity'], 1) : undefined,
    split: values.split ?? false,
    threads: values.threads ? int('threads', values.threads, 1) : Math.min(4, Math.ceil(sockets / 1500)),
    stormS: values.storm ? int('storm', values.storm, 1) : undefined,
    joinRate,
    joinVotes,
    joinUsers: joinRate > 0 ? joinUsers : 0,
    doBaseline: values['do-baseline'] ?? false,
    argv,
  };
}
