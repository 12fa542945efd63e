import { readFileSync } from 'node:fs';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { fixtureProviderVars } from './test/fixtures/providers/server';
import { AUX_WORKERS, buildDir } from './test/setup/build-workers';

const root = import.meta.dirname;

type Inject = (key: 'databaseUrl' | 'databaseUrlEu' | 'relayAddress' | 'providerFixturesUrl') => string;

/**
 * The same database under another host name stands in for a read replica: the relay serves both (only its
 * EU host reaches another database) and counts round trips per requested host, so a test can see which queries went where.
 */
export const REPLICA_HOST = 'replica.localhost';
function replicaUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.hostname = REPLICA_HOST;
  return url.toString();
}

function testBindings(inject: Inject) {
  return {
    DATABASE_URL: inject('databaseUrl'),
    DATABASE_REPLICA_URLS: replicaUrl(inject('databaseUrl')),
    // The EU database of per-fan residency (its own PGlite on the same relay); empty against a real Postgres.
    DATABASE_URL_EU: inject('databaseUrlEu'),
    DB_RELAY: inject('relayAddress'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    // Tests only: base64 of the 32 ASCII bytes "mysetlist-TEST-ONLY-mfa-key-0001".
    MFA_ENCRYPTION_KEY: 'bXlzZXRsaXN0LVRFU1QtT05MWS1tZmEta2V5LTAwMDE=',
    NETWORK_ID_KEY: 'mysetlist-TEST-ONLY-network-id-key',
  };
}

/**
 * Notifications: test-only provider credentials, and the fake providers worker (test/fakes/providers) that the
 * queue consumers' outbound fetch goes through in the api project, answering from recorded responses.
 */
const providerCredentials = JSON.parse(
  readFileSync(`${root}/test/fakes/providers/test-credentials.json`, 'utf8'),
) as Record<string, unknown>;
const notificationBindings = {
  EMAIL_API_URL: String(providerCredentials.EMAIL_API_URL),
  EMAIL_API_KEY: String(providerCredentials.EMAIL_API_KEY),
  VAPID_PUBLIC_KEY: String(providerCredentials.VAPID_PUBLIC_KEY),
  VAPID_PRIVATE_KEY: String(providerCredentials.VAPID_PRIVATE_KEY),
  VAPID_SUBJECT: String(providerCredentials.VAPID_SUBJECT),
  UNSUBSCRIBE_SIGNING_KEY: String(providerCredentials.UNSUBSCRIBE_SIGNING_KEY),
  FCM_SERVICE_ACCOUNT_JSON: JSON.stringify(providerCredentials.FCM_SERVICE_ACCOUNT),
};
/** The consumers' unsubscribe links point at the tests' api origin (the api's own PUBLIC_API_ORIGIN stays empty: no warming). */
const consumerNotificationBindings = {
  ...notificationBindings,
  PUBLIC_API_ORIGIN: 'http://mysetlist.test',
  // Alert receivers, answered by the fake providers worker (docs/operations.md#alerts).
  PAGERDUTY_ROUTING_KEY: 'test0000000000000000000000000000',
  ALERT_WEBHOOK_URL: 'https://hooks.alerts.test/mysetlist',
};
const FAKE_PROVIDERS = 'fake-providers';
const fakeProvidersWorker = {
  name: FAKE_PROVIDERS,
  modules: true,
  script: `const FIXTURES = ${readFileSync(`${root}/test/fakes/providers/responses.json`, 'utf8')};\n${readFileSync(`${root}/test/fakes/providers/worker.js`, 'utf8')}`,
  compatibilityDate: '2026-04-20',
};

/**
 * Same consumers as a wrangler.toml, with fewer retries and shorter batch waits so that the dead-letter path is
 * reached in seconds and queued steps follow each other as fast as in production under load. Dead-letter queues
 * keep their own budget: what they give up on is lost.
 */
function testQueueConsumers(configPath: string) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  return Object.fromEntries(
    Object.entries((workerOptions.queueConsumers ?? {}) as Record<string, object>).map(([queue, consumer]) => [
      queue,
      { ...consumer, ...(queue.endsWith('-dlq') ? {} : { maxRetries: 3 }), maxBatchTimeout: 0.05 },
    ]),
  );
}

/** A worker other than the one under test, run from its wrangler bundle with its own wrangler.toml bindings. */
function auxiliaryWorker(
  name: (typeof AUX_WORKERS)[number]['name'],
  inject: Inject,
  extra: { bindings?: Record<string, string>; outboundService?: string; withoutDurableObjects?: string[] } = {},
) {
  const worker = AUX_WORKERS.find((w) => w.name === name)!;
  const { workerOptions } = unstable_getMiniflareWorkerOptions(worker.config);
  // A binding to a class of a worker this project does not run (e.g. the rooms, where realtime is the project's
  // own main worker under another name) would stop workerd from starting.
  const durableObjects = Object.fromEntries(
    Object.entries(workerOptions.durableObjects ?? {}).filter(
      ([binding]) => !extra.withoutDurableObjects?.includes(binding),
    ),
  );
  const options = {
    ...workerOptions,
    durableObjects,
    name: worker.name,
    modules: true,
    scriptPath: `${buildDir(root, worker.name)}/index.js`,
    // The imports consumer calls the fixture providers (test/fixtures/providers), with a 2 s breaker cooldown;
    // `extra.bindings` carries the notification channels' test credentials.
    bindings: {
      ...workerOptions.bindings,
      ...testBindings(inject),
      ROOM_SOCKET_MESSAGES_PER_SECOND: '20',
      RETRY_DELAY_BASE_SECONDS: '0',
      ...fixtureProviderVars(inject('providerFixturesUrl')),
      PROVIDER_BREAKER_COOLDOWN_SECONDS: '2',
      ...extra.bindings,
    },
    ...(extra.outboundService ? { outboundService: extra.outboundService } : {}),
    queueConsumers: testQueueConsumers(worker.config),
  };
  return options as typeof options & { scriptPath: string };
}

type PoolOptions = Exclude<Parameters<typeof cloudflareTest>[0], (...args: never[]) => unknown>;

/** A project whose main worker is the one `configPath` describes, loaded from source; `miniflare` adds the rest. */
function workerProject(
  name: string,
  include: string[],
  configPath: string,
  miniflare: (inject: Inject) => PoolOptions['miniflare'],
): TestProjectInlineConfiguration {
  return {
    extends: true,
    test: { name, include },
    plugins: [cloudflareTest(({ inject }) => ({ wrangler: { configPath }, miniflare: miniflare(inject) }))],
  };
}

/**
 * Every test runs inside workerd. Each worker's tests run with that worker as the main worker (loaded from
 * source, so `runInDurableObject` and friends work) and the workers it talks to beside it, bundled by
 * wrangler in the global setup. Postgres is reached through the Neon driver and the local relay that the
 * global setup starts (PGlite by default, a real server when TEST_DATABASE_URL is set).
 */
const apiProject = workerProject(
  'api',
  ['workers/api/**/*.test.ts', 'src/**/*.test.ts'],
  './wrangler.toml',
  (inject) => ({
    // A 10 s rate-limit window (same 1,000 limit), so the window boundary can be tested without waiting a minute.
    // A 2 s database breaker cooldown, so that recovery is tested in seconds. No fresh response-cache hits
    // (tests read their own writes anonymously); the stale fallback during an outage still applies.
    bindings: {
      ...testBindings(inject),
      ...notificationBindings,
      RATE_LIMIT_WINDOW_SECONDS: '10',
      DB_BREAKER_COOLDOWN_SECONDS: '2',
      RESPONSE_CACHE_FRESH_SECONDS: '0',
      // Finalisation waits at most 6 s for a room to confirm its acked votes (finalize-settle.test.ts).
      FINALIZE_SETTLE_SECONDS: '6',
    },
    serviceBindings: { FAKE_PROVIDERS },
    workers: [
      auxiliaryWorker('mysetlist-realtime', inject),
      auxiliaryWorker('mysetlist-queue-consumers', inject, {
        bindings: consumerNotificationBindings,
        outboundService: FAKE_PROVIDERS,
      }),
      fakeProvidersWorker,
    ],
  }),
);

const realtimeProject = workerProject(
  'realtime',
  ['workers/realtime/**/*.test.ts'],
  './workers/realtime/wrangler.toml',
  (inject) => ({
    // Reconciliation with Postgres every second, resends after a second: the durability tests run in seconds.
    // Shards of 3 sockets (auto): a room of 3 keeps its sockets, a fourth opens the fan-out tier.
    bindings: {
      ...testBindings(inject),
      ROOM_SOCKET_MESSAGES_PER_SECOND: '20',
      ROOM_RECONCILE_SECONDS: '1',
      ROOM_RESEND_AFTER_SECONDS: '1',
      ROOM_COUNT_CHECK_SECONDS: '1',
      ROOM_SHARDS: 'auto',
      ROOM_SHARD_CAPACITY: '3',
    },
    workers: [auxiliaryWorker('mysetlist-queue-consumers', inject, { withoutDurableObjects: ['SHOW_ROOM'] })],
  }),
);

/**
 * The queue-consumers worker as the main worker: its consumers, cron and fan-out steps driven directly, with the
 * rooms beside it and its outbound fetch going through the fake providers, as in the api project.
 */
const queueConsumersProject = workerProject(
  'queue-consumers',
  ['workers/queue-consumers/**/*.test.ts'],
  './workers/queue-consumers/wrangler.toml',
  (inject) => ({
    bindings: {
      ...testBindings(inject),
      ...consumerNotificationBindings,
      RETRY_DELAY_BASE_SECONDS: '0',
      ...fixtureProviderVars(inject('providerFixturesUrl')),
      PROVIDER_BREAKER_COOLDOWN_SECONDS: '2',
    },
    serviceBindings: { FAKE_PROVIDERS },
    outboundService: FAKE_PROVIDERS,
    // As in the api project: steps of an import follow each other within 50 ms, so the provider limits bind.
    queueConsumers: testQueueConsumers('./workers/queue-consumers/wrangler.toml'),
    workers: [auxiliaryWorker('mysetlist-realtime', inject), fakeProvidersWorker],
  }),
);

/**
 * Plain Node, no workerd: checks that need what workerd forbids, such as validating the OpenAPI document
 * (ajv compiles schemas with `new Function`). Importing the api worker's app needs no bindings.
 */
const nodeProject: TestProjectInlineConfiguration = {
  extends: true,
  test: { name: 'node', environment: 'node', include: ['test/node/**/*.test.ts', 'scripts/**/*.test.ts'] },
};

export default defineConfig({
  test: {
    globalSetup: ['./test/setup/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Files one after another: PGlite serialises all queries anyway, and files share the database
    // (each test creates its own rows and never truncates).
    fileParallelism: false,
    projects: [apiProject, realtimeProject, queueConsumersProject, nodeProject],
  },
});
