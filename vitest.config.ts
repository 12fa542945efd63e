import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { defineConfig } from 'vitest/config';
import { AUX_WORKERS, buildDir } from './test/setup/build-workers';

const root = import.meta.dirname;

/**
 * Every test runs inside workerd: the api worker is the main worker (loaded from source), the realtime
 * and queue-consumers workers run beside it from their wrangler bundles, with the bindings from their
 * own wrangler.toml files. Postgres is reached through the Neon driver and the local relay that the
 * global setup starts (PGlite by default, a real server when TEST_DATABASE_URL is set).
 */
export default defineConfig({
  test: {
    include: ['workers/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['./test/setup/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One miniflare instance, files one after another: PGlite serialises all queries anyway, and the
    // files share the database (each test creates its own rows and never truncates).
    fileParallelism: false,
  },
  plugins: [
    cloudflareTest(({ inject }) => {
      const testBindings = {
        DATABASE_URL: inject('databaseUrl'),
        DB_RELAY: inject('relayAddress'),
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
      };
      return {
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: testBindings,
          workers: AUX_WORKERS.map((worker) => {
            const { workerOptions } = unstable_getMiniflareWorkerOptions(worker.config);
            const options = {
              ...workerOptions,
              name: worker.name,
              modules: true,
              scriptPath: `${buildDir(root, worker.name)}/index.js`,
              bindings: { ...workerOptions.bindings, ...testBindings, ROOM_SOCKET_MESSAGES_PER_SECOND: '20', RETRY_DELAY_BASE_SECONDS: '0' },
              // Same consumers as wrangler.toml, with fewer retries and shorter batch waits so that
              // the dead-letter path is reached in seconds.
              queueConsumers: Object.fromEntries(
                Object.entries((workerOptions.queueConsumers ?? {}) as Record<string, object>).map(([queue, consumer]) => [
                  queue,
                  { ...consumer, maxRetries: 3, maxBatchTimeout: 0.05 },
                ]),
              ),
            };
            return options as typeof options & { scriptPath: string };
          }),
        },
      };
    }),
  ],
});
