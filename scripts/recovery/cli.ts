/**
 * npm run dr:recover -- --url <api origin> --since <restore point, ISO 8601>   (ADMIN_TOKEN in the environment)
 *
 * Steps 3 to 5 of the recovery runbook (docs/operations.md, "Recovery") once Postgres has been restored to
 * `since`: rebuild the derived tables (fanning out again the notification triggers from an hour before `since`),
 * make every room whose voting window overlaps [since, now] recheck and re-send what Postgres lacks (repeated
 * until no room has events in flight), then rebuild once more. Each step is idempotent: run it again if it fails.
 */
import { parseArgs } from 'node:util';
import { rebuild, recheckAll } from './client';

const { values } = parseArgs({
  options: { url: { type: 'string' }, since: { type: 'string' }, rounds: { type: 'string', default: '30' } },
});
const token = process.env.ADMIN_TOKEN;
const since = values.since ? new Date(values.since) : undefined;
if (!values.url || !token || !since || Number.isNaN(since.getTime())) {
  console.error('usage: ADMIN_TOKEN=… npm run dr:recover -- --url https://api.example --since 2026-12-07T20:00:00Z');
  process.exit(2);
}
const api = { base: values.url.replace(/\/$/, ''), token };
const log = (line: string) => console.log(`[dr:recover] ${line}`);

const first = await rebuild(api, since);
log(`rebuild: ${JSON.stringify(first)}`);
const recheck = await recheckAll(api, since, { maxRounds: Number(values.rounds), log });
log(`recheck: ${JSON.stringify(recheck)}`);
const second = await rebuild(api);
log(`rebuild again: ${JSON.stringify(second)}`);
if (recheck.pending) {
  log(`${recheck.pending} rooms still had events in flight: run again in a minute`);
  process.exit(1);
}
