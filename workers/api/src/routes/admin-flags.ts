import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { listFlags, putFlag } from '../flags/admin';
import { forgetFlags } from '../flags/reader';
import { FlagKey, FlagRule } from '../flags/registry';
import { route } from '../http/route';

const Environment = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/)
  .meta({ description: 'Deploy environment (DEPLOY_ENVIRONMENT); defaults to the one answering.' });
const Flag = FlagRule.extend({
  key: FlagKey,
  environment: z.string(),
  description: z.string(),
  subject: z.enum(['user', 'show']),
  stored: z.boolean().meta({ description: "false: no rule stored yet; the code's default applies." }),
  updatedAt: z.string().nullable(),
  updatedBy: z.uuid().nullable(),
}).meta({ id: 'FeatureFlag' });
const FlagList = z.object({ items: z.array(Flag) }).meta({ id: 'FeatureFlagList' });
const FlagQuery = z.object({ environment: Environment.optional() });

function environmentOf(c: { env: Env }, asked: string | undefined): string {
  return asked ?? (c.env.DEPLOY_ENVIRONMENT || 'development');
}

/**
 * Feature flags (workers/api/src/flags): admins turn behaviour on per environment, per share of users or shows and
 * per user, without a deploy; every change is audited. Workers pick a change up within FLAG_TTL_MS.
 */
export const adminFlagRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/admin/flags',
      tag: 'Administration',
      summary: 'Feature flags of one environment, with their rules',
      auth: 'admin',
      query: FlagQuery,
      response: [200, 'Every flag.', FlagList],
      errors: [400],
    }),
    async (c) => {
      const environment = environmentOf(c, c.req.valid('query').environment);
      return c.json({ items: await listFlags(c.var.database.db.$primary, environment) }, 200);
    },
  )
  .openapi(
    route({
      method: 'put',
      path: '/admin/flags/{key}',
      tag: 'Administration',
      summary: "Set a feature flag's rule (on/off, percentage, allowed users) in one environment",
      auth: 'admin',
      params: z.object({ key: FlagKey }),
      query: FlagQuery,
      body: FlagRule,
      response: [200, 'The flag after the change.', Flag],
      errors: [400],
    }),
    async (c) => {
      const { key } = c.req.valid('param');
      const environment = environmentOf(c, c.req.valid('query').environment);
      const rule = c.req.valid('json');
      const db = c.var.database.db.$primary;
      const { before } = await putFlag(db, key, environment, rule, c.var.caller!.user.id);
      await recordAudit(
        c,
        'flag.update',
        { type: 'feature_flag', id: `${key}@${environment}` },
        { before, after: rule },
      );
      forgetFlags();
      const flag = (await listFlags(db, environment)).find((f) => f.key === key)!;
      return c.json(flag, 200);
    },
  );
