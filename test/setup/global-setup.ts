import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildApiAssets } from '../../scripts/api-assets';
import { startFixtureServer } from '../fixtures/providers/server';
import { buildAuxWorkers } from './build-workers';
import { startTestDatabase } from './test-database';

const root = resolve(import.meta.dirname, '../..');

export default async function setup(project: TestProject) {
  buildApiAssets(root);
  buildAuxWorkers(root);
  const quiet = process.env.TEST_DB_LOG ? (line: string) => console.error(`[local-db] ${line}`) : () => {};
  const db = await startTestDatabase(quiet);
  project.provide('relayAddress', db.relayAddress);
  project.provide('databaseUrl', db.databaseUrl);
  project.provide('databaseUrlEu', db.databaseUrlEu);
  project.provide('databaseMode', db.mode);
  // The music providers' recorded responses (docs/ingestion.md), where the imports consumer's clients point.
  const providers = await startFixtureServer();
  project.provide('providerFixturesUrl', providers.url);
  console.error(`[test] database: ${db.mode} via relay ${db.relayAddress}`);
  return async () => {
    await providers.close();
    await db.close();
  };
}
