/**
 * Cron expressions and queue names live in the code (#shared/cron/schedule, #shared/queues) and must be repeated
 * in each worker's wrangler.toml: this fails when they drift apart.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { experimental_readRawConfig } from 'wrangler';
import { CRONS } from '../../src/shared/cron/schedule';
import { DLQ_SUFFIX, QUEUE_NAMES, QUEUES } from '../../src/shared/queues';

const root = resolve(import.meta.dirname, '../..');
const CONFIGS = ['wrangler.toml', 'workers/realtime/wrangler.toml', 'workers/queue-consumers/wrangler.toml'];

interface QueueConfig {
  producers?: { binding: string; queue: string }[];
  consumers?: { queue: string; dead_letter_queue?: string }[];
}

function read(config: string) {
  const { rawConfig } = experimental_readRawConfig({ config: resolve(root, config) });
  return {
    name: rawConfig.name ?? '',
    crons: rawConfig.triggers?.crons ?? [],
    queues: (rawConfig.queues ?? {}) as QueueConfig,
  };
}

const workers = CONFIGS.map(read);

describe('wrangler.toml and the code agree', () => {
  it.each(workers.map((w) => [w.name, w] as const))(
    '%s: [triggers] crons are the crons of #shared/cron/schedule',
    (name, w) => {
      const expected = name in CRONS ? Object.values(CRONS[name as keyof typeof CRONS]) : [];
      expect([...w.crons].sort()).toEqual([...expected].sort());
    },
  );

  it('every worker with crons in the table has a wrangler.toml', () => {
    expect(Object.keys(CRONS).every((name) => workers.some((w) => w.name === name))).toBe(true);
  });

  it('every queue in a wrangler.toml is a queue of #shared/queues or its dead-letter queue', () => {
    const known = new Set([...QUEUE_NAMES, ...QUEUE_NAMES.map((q) => q + DLQ_SUFFIX)]);
    const used = workers.flatMap((w) => [
      ...(w.queues.producers ?? []).map((p) => p.queue),
      ...(w.queues.consumers ?? []).flatMap((c) => [c.queue, ...(c.dead_letter_queue ? [c.dead_letter_queue] : [])]),
    ]);
    expect(used.filter((q) => !known.has(q))).toEqual([]);
  });

  it('the queue-consumers worker consumes every queue and its dead-letter queue', () => {
    const consumers = workers.find((w) => w.name === 'mysetlist-queue-consumers')!.queues.consumers ?? [];
    for (const queue of Object.values(QUEUES)) {
      expect(consumers.find((c) => c.queue === queue)?.dead_letter_queue).toBe(queue + DLQ_SUFFIX);
      expect(consumers.some((c) => c.queue === queue + DLQ_SUFFIX)).toBe(true);
    }
  });
});
