/**
 * Starts the local database relay until Ctrl-C.
 *
 *   npx tsx scripts/local-db/cli.ts [--data-dir DIR] [--port N] [--host H]
 *
 * With DATABASE_URL set (postgres://...), the relay pipes to that server; otherwise it serves PGlite
 * (persistent in --data-dir, in-memory without it).
 */
import { parseArgs } from 'node:util';
import { startLocalDatabase } from './index.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (values.help) {
  console.log(
    'usage: tsx scripts/local-db/cli.ts [--data-dir DIR] [--port N] [--host H]   (upstream: env DATABASE_URL)',
  );
  process.exit(0);
}

const port = values.port !== undefined ? Number(values.port) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port ${values.port ?? ''}`);
  process.exit(2);
}

const upstreamUrl = process.env['DATABASE_URL'] || undefined;
const db = await startLocalDatabase({
  port,
  ...(values.host !== undefined ? { host: values.host } : {}),
  ...(upstreamUrl !== undefined ? { upstreamUrl } : {}),
  ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
});

// stdout carries only the address, so scripts can capture it: RELAY=$(tsx cli.ts | head -1)
console.log(db.relayAddress);
console.error(
  `[local-db] mode=${upstreamUrl ? 'upstream' : 'pglite'}; neonConfig: wsProxy=(h,p)=>'${db.relayAddress}/v2?address='+h+':'+p, ` +
    `fetchEndpoint='http://${db.relayAddress}/sql', useSecureWebSocket=false, pipelineConnect=false. Ctrl-C to stop.`,
);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) {
    console.error('[local-db] forced exit');
    process.exit(1);
  }
  stopping = true;
  console.error(`[local-db] ${signal}: closing...`);
  db.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error('[local-db] close failed:', err);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
