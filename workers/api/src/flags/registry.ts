import { z } from 'zod';

/**
 * Every feature flag the code reads, with what it gates and what it is when no row says otherwise. A flag is
 * declared here before any code reads it, so a typo is a type error, and the admin API lists them all.
 */
export const FLAGS = {
  room_fanout: {
    description:
      'Big rooms hold their sockets in fan-out shards (docs/realtime.md, "The fan-out tier"). Subject: the show. Off: every socket on the room itself (the api tells the room with X-MySetlist-Fanout: off).',
    subject: 'show',
    default: { enabled: true, percentage: 100 },
  },
} as const satisfies Record<string, FlagDefinition>;

interface FlagDefinition {
  description: string;
  /** What the percentage is taken over: a user (the same fan always gets the same answer) or a show. */
  subject: 'user' | 'show';
  default: { enabled: boolean; percentage: number };
}

export const FlagKey = z.enum(Object.keys(FLAGS) as [keyof typeof FLAGS, ...(keyof typeof FLAGS)[]]);
export type FlagKey = z.infer<typeof FlagKey>;

/** One flag's rule in one environment, as stored (feature_flags) or defaulted from FLAGS. */
export const FlagRule = z
  .object({
    enabled: z.boolean(),
    percentage: z.number().int().min(0).max(100),
    userIds: z.array(z.uuid()).max(1000),
  })
  .meta({ id: 'FlagRule' });
export type FlagRule = z.infer<typeof FlagRule>;

export function defaultRule(key: FlagKey): FlagRule {
  return { ...FLAGS[key].default, userIds: [] };
}
