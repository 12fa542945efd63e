/**
 * npm run dlq:replay [-- --queue mysetlist-vote-events] [--url https://api.example.com]
 *
 * Sends dead letters back to their source queue through the admin API, after their cause is fixed.
 * Authenticates as an admin: MYSETLIST_ADMIN_TOKEN, or MYSETLIST_ADMIN_EMAIL + MYSETLIST_ADMIN_PASSWORD
 * (locally the seeded admin account is used by default).
 */
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.MYSETLIST_URL ?? 'http://127.0.0.1:8787' },
    queue: { type: 'string' },
  },
});
const base = values.url!.replace(/\/$/, '');

async function adminToken(): Promise<string> {
  if (process.env.MYSETLIST_ADMIN_TOKEN) return process.env.MYSETLIST_ADMIN_TOKEN;
  const email = process.env.MYSETLIST_ADMIN_EMAIL ?? 'admin@mysetlist.dev';
  const password = process.env.MYSETLIST_ADMIN_PASSWORD ?? 'admin-password-123';
  const res = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`admin log-in failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

async function main(): Promise<void> {
  const token = await adminToken();
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const pending = (await (await fetch(`${base}/v1/admin/dead-letters`, { headers })).json()) as {
    items: { queue: string }[];
  };
  console.log(
    `${pending.items.length} dead letter(s) pending${values.queue ? ` (replaying ${values.queue} only)` : ''}`,
  );
  let total = 0;
  for (;;) {
    const res = await fetch(`${base}/v1/admin/dead-letters/replay`, {
      method: 'POST',
      headers,
      body: JSON.stringify(values.queue ? { queue: values.queue } : {}),
    });
    if (!res.ok) throw new Error(`replay failed: ${res.status} ${await res.text()}`);
    const { replayed, remaining } = (await res.json()) as { replayed: number; remaining: number };
    total += replayed;
    if (!replayed || !remaining) break;
  }
  console.log(`replayed ${total} message(s)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
