import { defineConfig } from 'vitest/config';

/**
 * `npm run test:e2e`: the web app in a real browser (Debian's chromium, driven by playwright-core) against the
 * whole local stack (`npm run dev`), which the global setup starts on its own ports with a fresh data dir.
 * Kept apart from `npm test`: it needs the browser and takes about a minute.
 */
export default defineConfig({
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['./test/e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 150_000,
    fileParallelism: false,
  },
});
