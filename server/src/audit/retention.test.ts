import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asCookie,
  auditEvents,
  cookieFrom,
  DIALECTS,
  detailsOf,
  PASSWORD,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
} from '../../test/harness.js';
import { ManualClock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { pruneAuditEvents } from './audit.service.js';
import { writeAuditEvent } from './audit.writer.js';

const START = '2026-06-01T00:00:00.000Z';
const DAY = 86_400_000;

describe.each(DIALECTS)('audit retention floor and delay on %s', (dialect) => {
  let gantry: TestGantry;
  const clock = new ManualClock(START);
  beforeAll(async () => {
    // The operator's defaults: a 90-day floor.
    gantry = await startTestGantry(dialect, {}, { clock });
  });
  afterAll(() => gantry?.close());

  const settingsUrl = (user: TestUser) => `/api/v1/accounts/${user.account.id}/audit-logs/settings`;
  const patch = (user: TestUser, retentionDays: number | null) =>
    user.request({ method: 'PATCH', url: settingsUrl(user), payload: { retentionDays } });
  /** Signs in again (a week without a request ends a session). */
  async function signIn(user: TestUser) {
    const login = await gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.user.email, password: PASSWORD },
    });
    user.request = asCookie(gantry.app, cookieFrom(login));
  }
  /**
   * A user whose account has one event a day for `days` days before START (signed up the day
   * before those, since times never go backwards along a chain), signed in at START.
   */
  async function userWithHistory(days: number): Promise<TestUser> {
    clock.set(new Date(Date.parse(START) - (days + 1) * DAY));
    const user = await signUp(gantry.app);
    clock.set(START);
    await seedDays(user, days);
    await signIn(user);
    return user;
  }
  /** One event per day for `days` days before now. */
  async function seedDays(user: TestUser, days: number) {
    for (let d = days; d >= 1; d--) {
      await gantry.deps.db.transaction().execute((trx) =>
        writeAuditEvent(
          trx,
          {
            actor: { type: 'system', id: null, userId: null, email: null },
            ip: null,
            userAgent: null,
            requestId: null,
          },
          new Date(clock.now().getTime() - d * DAY),
          {
            accountId: user.account.id,
            action: 'pod.start',
            resource: { type: 'pod', id: newId() },
            details: { name: 'p', before: { status: 'exited' }, after: { status: 'starting' } },
          },
        ),
      );
    }
  }

  it('refuses a retention below the operator floor, names it, and writes nothing', async () => {
    clock.set(START);
    const user = await signUp(gantry.app);
    const before = (await auditEvents(gantry, user.account.id)).length;
    for (const days of [1, 30, 89]) {
      const response = await patch(user, days);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toContain("at least 90 (the operator's minimum)");
    }
    expect((await auditEvents(gantry, user.account.id)).length).toBe(before);
    const settings = await user.request({ method: 'GET', url: settingsUrl(user) });
    expect(settings.json()).toMatchObject({ minRetentionDays: 90, retentionDays: null });
  });

  it('delays a shorter retention by 7 days, audited, shown as pending, and prunes only then', async () => {
    const user = await userWithHistory(200);
    const id = user.account.id;

    const shorten = await patch(user, 100);
    expect(shorten.statusCode).toBe(200);
    const effectiveAt = new Date(Date.parse(START) + 7 * DAY).toISOString();
    expect(shorten.json()).toMatchObject({
      retentionDays: null,
      effectiveRetentionDays: null,
      pendingRetentionDays: 100,
      pendingEffectiveAt: effectiveAt,
    });
    const event = (await auditEvents(gantry, id)).at(-1)!;
    expect(event).toMatchObject({ action: 'audit.settings_update', actor_user_id: user.user.id });
    expect(detailsOf(event)).toEqual({
      before: { retentionDays: null },
      after: { retentionDays: 100 },
      effectiveAt,
    });
    // Nothing is pruned before the delay has passed, even at its last moment.
    clock.set(new Date(Date.parse(effectiveAt) - 1));
    expect(await pruneAuditEvents(gantry.deps, clock.now(), { accountId: id })).toEqual([]);
    // Asking again for the same value keeps its date; it does not restart the delay.
    await signIn(user);
    expect((await patch(user, 100)).json().pendingEffectiveAt).toBe(effectiveAt);

    clock.set(effectiveAt);
    await signIn(user);
    expect((await user.request({ method: 'GET', url: settingsUrl(user) })).json()).toMatchObject({
      retentionDays: 100,
      effectiveRetentionDays: 100,
      pendingRetentionDays: null,
      pendingEffectiveAt: null,
    });
    const [pruned] = await pruneAuditEvents(gantry.deps, clock.now(), { accountId: id });
    expect(pruned).toMatchObject({ retentionDays: 100 });
    // Pruned a week after START: the last 100 days are the 93 seeded days before START (the
    // 93rd at the cutoff itself) and the week since.
    expect(pruned!.deleted).toBeGreaterThanOrEqual(107);
    const left = (await auditEvents(gantry, id)).filter((e) => e.action === 'pod.start');
    expect(left).toHaveLength(93);
  });

  it('applies a longer retention at once and it cancels a pending shorter one', async () => {
    clock.set(START);
    const user = await signUp(gantry.app);
    expect((await patch(user, 365)).json()).toMatchObject({ pendingRetentionDays: 365 });
    clock.advance(7 * DAY);
    await signIn(user);
    expect((await patch(user, 400)).json()).toMatchObject({
      retentionDays: 400,
      pendingRetentionDays: null,
    });
    expect((await patch(user, 120)).json()).toMatchObject({
      retentionDays: 400,
      pendingRetentionDays: 120,
    });
    const cancel = await patch(user, null);
    expect(cancel.json()).toMatchObject({
      retentionDays: null,
      effectiveRetentionDays: null,
      pendingRetentionDays: null,
      pendingEffectiveAt: null,
    });
    expect(detailsOf((await auditEvents(gantry, user.account.id)).at(-1)!)).toEqual({
      before: {
        retentionDays: 400,
        pendingRetentionDays: 120,
        pendingEffectiveAt: new Date(clock.now().getTime() + 7 * DAY).toISOString(),
      },
      after: { retentionDays: null },
      effectiveAt: clock.now().toISOString(),
    });
  });

  it('raises a retention stored below the floor to the floor when pruning', async () => {
    const user = await userWithHistory(120);
    // Set before the floor existed (or under a lower one).
    await gantry.deps.db
      .insertInto('audit_settings')
      .values({
        account_id: user.account.id,
        retention_days: 1,
        pending_retention_days: null,
        pending_effective_at: null,
        updated_at: START,
        updated_by: null,
      })
      .execute();
    const settings = await user.request({ method: 'GET', url: settingsUrl(user) });
    expect(settings.json()).toMatchObject({ retentionDays: 1, effectiveRetentionDays: 90 });
    const [pruned] = await pruneAuditEvents(gantry.deps, clock.now(), {
      accountId: user.account.id,
    });
    expect(pruned).toMatchObject({ retentionDays: 90 });
    const left = await auditEvents(gantry, user.account.id);
    const oldest = left.find((e) => e.action === 'pod.start')!;
    expect(Date.parse(START) - Date.parse(oldest.time)).toBeLessThanOrEqual(90 * DAY);
  });
});
