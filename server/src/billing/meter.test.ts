import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { SYSTEM_CONTEXT } from '../audit/audit.events.js';
import { writeAuditEvent } from '../audit/audit.writer.js';
import type { Deps } from '../context.js';
import { openDatabase } from '../db/database.js';
import { ManualClock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { usageCost } from '../lib/money.js';
import { findBillingAccount, sumLedger } from './billing.store.js';
import { assertCanRunPod } from './guards.js';
import { chargePodUntil, type PodStopper, runMeterOnce } from './meter.js';
import { type PodsTableShape, withPods } from './pods.view.js';

/*
 * The Pods module (migration 0003_pods, pods.service.ts) is built on another branch. Until
 * it lands here, these tests create its agreed `pods` table and stand in for its start and
 * stop paths with the calls it makes: `assertCanRunPod` before a start, `chargePodUntil`
 * inside its stop transaction, and `stopPodBySystem` (audited `pod.stop` by system).
 */
async function createPodsTable(gantry: TestGantry) {
  await gantry.deps.db.schema
    .createTable('pods')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('price_per_hour', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('stopped_at', 'text')
    .execute();
}

const iso = (deps: Deps) => deps.clock.now().toISOString();

/** A Pod that is running from now on (as the Pods service leaves it once started). */
async function runningPod(deps: Deps, accountId: string, pricePerHour: number, name = 'pod') {
  const pod: PodsTableShape = {
    id: newId(),
    account_id: accountId,
    name,
    status: 'running',
    price_per_hour: pricePerHour,
    created_by: null,
    created_at: iso(deps),
    started_at: iso(deps),
    stopped_at: null,
  };
  await withPods(deps.db).insertInto('pods').values(pod).execute();
  return pod.id;
}

/** The Pods service's stop path: status and stop time, then the billing hook, one transaction. */
async function stopPod(deps: Deps, podId: string) {
  await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    await withPods(trx)
      .updateTable('pods')
      .set({ status: 'exited', stopped_at: now.toISOString() })
      .where('id', '=', podId)
      .execute();
    await chargePodUntil(trx, deps, podId, now);
  });
}

async function startPod(deps: Deps, podId: string) {
  await withPods(deps.db)
    .updateTable('pods')
    .set({ status: 'running', started_at: iso(deps) })
    .where('id', '=', podId)
    .execute();
}

/** Stands in for the Pods module's `stopPodBySystem`. */
const stopPodBySystem: PodStopper = async (deps, podId, reason, details) => {
  await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const pod = await withPods(trx)
      .updateTable('pods')
      .set({ status: 'exited', stopped_at: now.toISOString() })
      .where('id', '=', podId)
      .returning('account_id')
      .executeTakeFirstOrThrow();
    await chargePodUntil(trx, deps, podId, now);
    await writeAuditEvent(trx, SYSTEM_CONTEXT, now, {
      accountId: pod.account_id,
      action: 'pod.stop',
      resource: { type: 'pod', id: podId },
      details: { reason, ...details },
    });
  });
};

async function usageOf(deps: Deps, podId: string): Promise<number> {
  const rows = await deps.db
    .selectFrom('billing_transactions')
    .select('amount')
    .where('pod_id', '=', podId)
    .where('kind', '=', 'usage')
    .execute();
  return -rows.reduce((sum, r) => sum + Number(r.amount), 0);
}

async function balanceOf(deps: Deps, accountId: string): Promise<number> {
  const balance = Number((await findBillingAccount(deps.db, accountId))?.balance);
  expect(balance).toBe(await sumLedger(deps.db, accountId));
  return balance;
}

describe.each(DIALECTS)('metering on %s', (dialect) => {
  let gantry: TestGantry;
  const clock = new ManualClock('2026-02-01T10:00:00.000Z');
  beforeAll(async () => {
    gantry = await startTestGantry(dialect, {}, { clock });
    await createPodsTable(gantry);
  });
  afterAll(() => gantry?.close());

  it('charges running time exactly, across stop, start and a restart of Gantry, without drift', async () => {
    const { deps } = gantry;
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    const price = 1_234_567; // 1.234567 an hour: no interval divides evenly
    const podId = await runningPod(deps, accountId, price);
    let runningMs = 0;
    // Uneven meter intervals, with milliseconds.
    for (const step of [60_000, 61_234, 59_999, 1, 7, 3_600_000, 12_345]) {
      clock.advance(step);
      runningMs += step;
      await runMeterOnce(deps);
      expect(await usageOf(deps, podId)).toBe(usageCost(price, runningMs));
    }
    // Stopped by its user 30.5 s after the last run: charged to the stop, then nothing.
    clock.advance(30_500);
    runningMs += 30_500;
    await stopPod(deps, podId);
    expect(await usageOf(deps, podId)).toBe(usageCost(price, runningMs));
    clock.advance(2 * 3_600_000);
    await runMeterOnce(deps);
    expect(await usageOf(deps, podId)).toBe(usageCost(price, runningMs));

    // Started again; Gantry is down for 10 minutes (no meter runs), then comes back.
    await startPod(deps, podId);
    clock.advance(600_000);
    runningMs += 600_000;
    await runMeterOnce(deps);
    expect(await usageOf(deps, podId)).toBe(usageCost(price, runningMs));
    await runMeterOnce(deps); // the same instant again: nothing more
    expect(await usageOf(deps, podId)).toBe(usageCost(price, runningMs));

    expect(await balanceOf(deps, accountId)).toBe(25_000_000 - usageCost(price, runningMs));
    const meter = await deps.db
      .selectFrom('pod_meters')
      .selectAll()
      .where('pod_id', '=', podId)
      .executeTakeFirstOrThrow();
    expect(Number(meter.metered_ms)).toBe(runningMs);
    expect(meter.metered_until).toBe(iso(deps));
    await stopPod(deps, podId);
  });

  it('writes one billing.charge per account per run, splits usage at midnight, reports usage', async () => {
    const { deps } = gantry;
    clock.set('2026-02-03T23:59:00.000Z');
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    const a = await runningPod(deps, accountId, 3_600_000, 'alpha'); // 1 micro-unit per ms
    const b = await runningPod(deps, accountId, 7_200_000, 'beta');
    clock.advance(120_000);
    await runMeterOnce(deps);
    const charges = (await auditEvents(gantry, accountId)).filter(
      (e) => e.action === 'billing.charge',
    );
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ actor_type: 'system', resource_type: 'billing' });
    expect(JSON.parse(charges[0]?.details ?? '{}')).toMatchObject({
      reason: 'meter',
      total: '0.360000',
      balanceAfter: '24.640000',
    });
    const usage = await user.request({
      method: 'GET',
      url: `/api/v1/accounts/${accountId}/billing/usage?from=2026-02-03T00:00:00.000Z&to=2026-02-05T00:00:00.000Z`,
    });
    expect(usage.statusCode).toBe(200);
    expect(usage.json()).toMatchObject({
      total: '0.360000',
      byPod: expect.arrayContaining([
        { podId: a, podName: 'alpha', amount: '0.120000', durationMs: 120_000 },
        { podId: b, podName: 'beta', amount: '0.240000', durationMs: 120_000 },
      ]),
      byDay: [
        { day: '2026-02-03', amount: '0.180000', durationMs: 120_000 },
        { day: '2026-02-04', amount: '0.180000', durationMs: 120_000 },
      ],
    });
    const billing = await user.request({
      method: 'GET',
      url: `/api/v1/accounts/${accountId}/billing`,
    });
    expect(billing.json()).toMatchObject({
      balance: '24.640000',
      currentSpendPerHour: '10.800000',
      runwaySeconds: Math.floor((24_640_000 * 3600) / 10_800_000),
    });
    await stopPod(deps, a);
    await stopPod(deps, b);
  });

  it('stops the account’s Pods when the balance runs out, audited by the system', async () => {
    const { deps } = gantry;
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    const pods = [
      await runningPod(deps, accountId, 60_000_000),
      await runningPod(deps, accountId, 40_000_000),
    ];
    clock.advance(10 * 60_000); // 100/h for 10 min = 16.67
    let result = await runMeterOnce(deps, { stopPod: stopPodBySystem });
    expect(result.stopped).toEqual([]);
    clock.advance(6 * 60_000); // 16 min in all: 26.67 > 25
    result = await runMeterOnce(deps, { stopPod: stopPodBySystem });
    expect(result.stopped.sort()).toEqual([...pods].sort());
    const statuses = await withPods(deps.db)
      .selectFrom('pods')
      .select('status')
      .where('account_id', '=', accountId)
      .execute();
    expect(statuses.map((s) => s.status)).toEqual(['exited', 'exited']);
    const balance = await balanceOf(deps, accountId);
    expect(balance).toBe(25_000_000 - usageCost(100_000_000, 16 * 60_000));
    expect(balance).toBeLessThanOrEqual(0);
    const stops = (await auditEvents(gantry, accountId)).filter((e) => e.action === 'pod.stop');
    expect(stops).toHaveLength(2);
    for (const stop of stops) {
      expect(stop.actor_type).toBe('system');
      expect(JSON.parse(stop.details)).toMatchObject({ reason: 'balance_exhausted' });
    }
    // Nothing runs, nothing more is charged.
    clock.advance(3_600_000);
    await runMeterOnce(deps, { stopPod: stopPodBySystem });
    expect(await balanceOf(deps, accountId)).toBe(balance);
  });

  it('charges every millisecond exactly once with two meters running at once', async () => {
    const { deps } = gantry;
    const users = [await signUp(gantry.app), await signUp(gantry.app)];
    const prices = [1_000_003, 2_500_001, 777_777];
    const pods: Array<{ id: string; price: number; accountId: string }> = [];
    for (const user of users) {
      for (const price of prices) {
        pods.push({
          id: await runningPod(deps, user.account.id, price),
          price,
          accountId: user.account.id,
        });
      }
    }
    // A second instance: on PostgreSQL its own pool on the same schema.
    const second =
      dialect === 'postgres'
        ? openDatabase({
            databaseUrl: process.env.TEST_DATABASE_URL,
            pgSchema: gantry.database.pgSchema as string,
            pgPoolSize: 4,
          })
        : undefined;
    const otherDeps: Deps = second ? { ...deps, db: second.db } : deps;
    try {
      let runningMs = 0;
      for (let round = 0; round < 8; round += 1) {
        const step = 45_000 + round * 1_111;
        clock.advance(step);
        runningMs += step;
        const results = await Promise.all([runMeterOnce(deps), runMeterOnce(otherDeps)]);
        expect(results.flatMap((r) => r.failed)).toEqual([]);
      }
      for (const pod of pods) {
        expect(await usageOf(deps, pod.id)).toBe(usageCost(pod.price, runningMs));
      }
      for (const user of users) {
        const accountId = user.account.id;
        const expected = prices.reduce((sum, p) => sum + usageCost(p, runningMs), 0);
        expect(await balanceOf(deps, accountId)).toBe(25_000_000 - expected);
        const events = (await auditEvents(gantry, accountId)).filter(
          (e) => e.action === 'billing.charge',
        );
        expect(events).toHaveLength(8);
      }
    } finally {
      for (const pod of pods) await stopPod(deps, pod.id);
      await second?.close();
    }
  });

  it('guards a start: an hour of the price in the balance, and the spend limit', async () => {
    const { deps } = gantry;
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    const guard = (price: number, exceptPodId?: string) =>
      deps.db
        .transaction()
        .execute((trx) =>
          assertCanRunPod(trx, accountId, price, exceptPodId ? { exceptPodId } : {}),
        );

    await expect(guard(25_000_001)).rejects.toMatchObject({
      code: 'insufficient_balance',
      status: 402,
    });
    await expect(guard(25_000_000)).resolves.toBeUndefined();
    const running = await runningPod(deps, accountId, 70_000_000);
    await expect(guard(10_000_000)).resolves.toBeUndefined(); // 80 of 80
    await expect(guard(10_000_001)).rejects.toMatchObject({
      code: 'spend_limit_exceeded',
      status: 409,
    });
    // Starting the running Pod itself again does not count it twice.
    await expect(guard(10_000_001, running)).resolves.toBeUndefined();
    await stopPod(deps, running);
    // An account without any billing row has no money.
    await expect(
      deps.db.transaction().execute((trx) => assertCanRunPod(trx, newId(), 1)),
    ).rejects.toMatchObject({ code: 'insufficient_balance' });
  });
});
