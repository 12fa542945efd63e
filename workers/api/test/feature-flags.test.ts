import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import * as schema from '#shared/db/schema';
import { FLAG_TTL_MS, flagRules, forgetFlags, isFlagOn } from '../src/flags/reader';
import { api, errorOf, signUp, signUpAs, testDb } from './support';

/** A deploy environment of its own, so that nothing here changes the flags the other test files run with. */
const ENVIRONMENT = `flags-test-${crypto.randomUUID().slice(0, 8)}`;
const flagEnv = { ...env, DEPLOY_ENVIRONMENT: ENVIRONMENT };

let admin: Awaited<ReturnType<typeof signUpAs>>;
beforeAll(async () => {
  admin = await signUpAs('admin');
});

function putFlag(body: unknown, token = admin.token, key = 'room_fanout') {
  return api(`/v1/admin/flags/${key}?environment=${ENVIRONMENT}`, { method: 'PUT', token, body: JSON.stringify(body) });
}

describe('feature flags', () => {
  it("lists every flag the code knows, with the code's default until a rule is stored", async () => {
    const res = await api(`/v1/admin/flags?environment=${ENVIRONMENT}`, { token: admin.token });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: { key: string; stored: boolean; enabled: boolean }[] };
    expect(items.find((f) => f.key === 'room_fanout')).toMatchObject({ stored: false, enabled: true });
  });

  it('stores a rule per environment, audited with what it replaced', async () => {
    const res = await putFlag({ enabled: true, percentage: 0, userIds: [admin.user.id] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      key: 'room_fanout',
      environment: ENVIRONMENT,
      percentage: 0,
      stored: true,
    });
    const audit = await testDb()
      .select()
      .from(schema.auditLog)
      .where(
        and(eq(schema.auditLog.action, 'flag.update'), eq(schema.auditLog.targetId, `room_fanout@${ENVIRONMENT}`)),
      );
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBe(admin.user.id);
    expect(audit[0]!.details).toMatchObject({ before: { percentage: 100 }, after: { percentage: 0 } });
  });

  it('is read by the workers: the allow-listed admin gets it, a 0 % share gives it to nobody else', async () => {
    forgetFlags();
    expect(await isFlagOn(flagEnv, 'room_fanout', { id: 'some-show', userId: admin.user.id })).toBe(true);
    expect(await isFlagOn(flagEnv, 'room_fanout', { id: 'some-show', userId: null })).toBe(false);
  });

  it('reaches an isolate that read the old rule once its TTL has passed, not before', async () => {
    forgetFlags();
    const t0 = Date.now();
    expect((await flagRules(flagEnv, undefined, t0)).get('room_fanout')?.percentage).toBe(0);
    await testDb()
      .update(schema.featureFlags)
      .set({ percentage: 40 })
      .where(and(eq(schema.featureFlags.key, 'room_fanout'), eq(schema.featureFlags.environment, ENVIRONMENT)));
    expect((await flagRules(flagEnv, undefined, t0 + 1000)).get('room_fanout')?.percentage).toBe(0);
    expect((await flagRules(flagEnv, undefined, t0 + FLAG_TTL_MS + 1)).get('room_fanout')?.percentage).toBe(40);
  });

  it('refuses bad rules and unknown flags with a 400, and non-admins with a 403', async () => {
    expect((await putFlag({ enabled: true, percentage: 150, userIds: [] })).status).toBe(400);
    expect((await putFlag({ enabled: 'yes', percentage: 10, userIds: [] })).status).toBe(400);
    const unknown = await putFlag({ enabled: true, percentage: 10, userIds: [] }, admin.token, 'no_such_flag');
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).code).toBe('validation_failed');
    const fan = await signUp();
    expect((await putFlag({ enabled: false, percentage: 0, userIds: [] }, fan.token)).status).toBe(403);
  });
});
