import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
} from '../../test/harness.js';
import type { Deps } from '../context.js';
import { openDatabase } from '../db/database.js';
import { ManualClock } from '../lib/clock.js';
import { usageCost } from '../lib/money.js';
import { createPodAs, waitForStatus } from '../pods/pods.fixtures.js';
import { reconcilePods, stopPodBySystem } from '../pods/pods.service.js';
import {
  type PodEndpoint,
  type PodSpec,
  type RuntimeDriver,
  RuntimeError,
  type RuntimeEvents,
  type RuntimeStatus,
} from '../pods/runtime/driver.js';
import { processExists } from '../pods/runtime/test-helpers.js';
import { findBillingAccount, sumLedger } from './billing.store.js';
import { runMeterOnce } from './meter.js';

/*
 * Metering against the real `pods` table and the real Pods service: Pods are created,
 * stopped, started, restarted and terminated through the API, so the service's
 * transitions (and their billing hooks) decide what is charged. The process runtime is
 * the external boundary: most tests use the small driver below, whose starts can be
 * held (to put time between a restart and the Pod running again) and whose workloads
 * can "crash"; the zero-balance test runs real processes on the LocalDriver.
 */

/** A runtime whose workloads are bookkeeping only; starts can be held open. */
class TestDriver implements RuntimeDriver {
  readonly name = 'test';
  private readonly states = new Map<string, RuntimeStatus['state']>();
  private readonly held = new Map<string, () => void>();
  private events: RuntimeEvents | undefined;
  /** While true, `start()` waits for {@link release}. */
  holdStarts = false;

  async provision(): Promise<void> {}
  async start(spec: PodSpec): Promise<void> {
    this.states.set(spec.podId, 'starting');
    if (this.holdStarts) await new Promise<void>((resolve) => this.held.set(spec.podId, resolve));
    this.states.set(spec.podId, 'running');
  }
  /** Lets a held start finish. */
  release(podId: string): void {
    this.held.get(podId)?.();
    this.held.delete(podId);
  }
  isHeld(podId: string): boolean {
    return this.held.has(podId);
  }
  async stop(podId: string): Promise<void> {
    if (this.states.has(podId)) this.states.set(podId, 'exited');
  }
  async terminate(podId: string): Promise<void> {
    this.states.delete(podId);
  }
  /** The workload is gone without a trace (as after Gantry itself went down). */
  forget(podId: string): void {
    this.states.delete(podId);
  }
  /** The workload dies on its own. */
  crash(podId: string): void {
    this.states.set(podId, 'error');
    this.events?.onExit(podId, { code: 1, signal: null, expected: false });
  }
  async status(podId: string): Promise<RuntimeStatus> {
    return { state: this.states.get(podId) ?? 'absent' };
  }
  async endpoints(): Promise<PodEndpoint[]> {
    return [];
  }
  async openStream(): Promise<Duplex> {
    throw new RuntimeError('not_running', 'this test driver runs no workloads');
  }
  async logs(): Promise<string> {
    return '';
  }
  setEvents(events: RuntimeEvents): void {
    this.events = events;
  }
  async shutdown(): Promise<void> {
    for (const release of this.held.values()) release();
    this.held.clear();
  }
}

/** GPU types priced so that no meter interval divides evenly (price per GPU-hour). */
const PRICES: Record<string, string> = {
  odd: '1.234567',
  alpha: '3.600000', // 1 micro-unit per ms
  beta: '7.200000',
  ten: '10.000000',
  fifteen: '15.000000',
  p1: '1.000003',
  p2: '2.500001',
  p3: '0.777777',
};
const micro = (gpuType: string) => Math.round(Number(PRICES[gpuType]) * 1_000_000);

function writeCatalog(dir: string): string {
  const path = join(dir, 'catalog.json');
  const gpuTypes = Object.entries(PRICES).map(([id, pricePerHour]) => ({
    id,
    name: id,
    memoryGb: 8,
    pricePerHour,
  }));
  writeFileSync(path, JSON.stringify({ includeBuiltins: true, gpuTypes }));
  return path;
}

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

const move = (user: TestUser, accountId: string, podId: string, action: string) =>
  user.request({
    method: action === 'terminate' ? 'DELETE' : 'POST',
    url: `/api/v1/accounts/${accountId}/pods/${podId}${action === 'terminate' ? '' : `/${action}`}`,
  });

async function moveOk(user: TestUser, accountId: string, podId: string, action: string) {
  const response = await move(user, accountId, podId, action);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

describe.each(DIALECTS)('metering on %s', (dialect) => {
  let gantry: TestGantry;
  let dir: string;
  const clock = new ManualClock('2026-02-01T10:00:00.000Z');
  const driver = new TestDriver();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-meter-'));
    gantry = await startTestGantry(
      dialect,
      { GANTRY_CATALOG: writeCatalog(dir) },
      { clock, runtime: driver },
    );
  });
  afterAll(async () => {
    await gantry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A Pod created through the API and running (billed from now). */
  async function runningPod(user: TestUser, gpuType: string, name = 'pod') {
    const pod = await createPodAs(user, user.account.id, { gpuType, name });
    await waitForStatus(user, user.account.id, pod.id, 'running');
    return pod.id as string;
  }

  it('charges exactly the running time, across stop, start, restart, error and terminate', async () => {
    const { deps } = gantry;
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    const price = micro('odd');
    const podId = await runningPod(user, 'odd');
    const usage = () => usageOf(deps, podId);
    let runningMs = 0;
    // Uneven meter intervals, with milliseconds.
    for (const step of [60_000, 61_234, 59_999, 1, 7, 3_600_000, 12_345]) {
      clock.advance(step);
      runningMs += step;
      await runMeterOnce(deps);
      expect(await usage()).toBe(usageCost(price, runningMs));
    }
    // Stopped 30.5 s after the last run: charged to the stop, then nothing while exited.
    clock.advance(30_500);
    runningMs += 30_500;
    await moveOk(user, accountId, podId, 'stop');
    expect(await usage()).toBe(usageCost(price, runningMs));
    clock.advance(2 * 3_600_000);
    await runMeterOnce(deps);
    expect(await usage()).toBe(usageCost(price, runningMs));

    // Started again (billed from when it runs); no meter runs for 10 minutes.
    await moveOk(user, accountId, podId, 'start');
    await waitForStatus(user, accountId, podId, 'running');
    clock.advance(600_000);
    runningMs += 600_000;
    await runMeterOnce(deps);
    expect(await usage()).toBe(usageCost(price, runningMs));
    await runMeterOnce(deps); // the same instant again: nothing more
    expect(await usage()).toBe(usageCost(price, runningMs));

    // A restart: charged up to the restart; the time until it runs again is not billed.
    clock.advance(45_001);
    runningMs += 45_001;
    driver.holdStarts = true;
    expect((await moveOk(user, accountId, podId, 'restart')).status).toBe('starting');
    expect(await usage()).toBe(usageCost(price, runningMs));
    await waitForHeld(podId);
    clock.advance(300_000);
    await runMeterOnce(deps);
    expect(await usage()).toBe(usageCost(price, runningMs));
    driver.holdStarts = false;
    driver.release(podId);
    const restarted = await waitForStatus(user, accountId, podId, 'running');
    expect(restarted.startedAt).toBe(clock.now().toISOString());
    clock.advance(61_000);
    runningMs += 61_000;
    await runMeterOnce(deps);
    expect(await usage()).toBe(usageCost(price, runningMs));

    // The workload dies on its own 20 s later: charged up to the error.
    clock.advance(20_000);
    runningMs += 20_000;
    driver.crash(podId);
    await waitForStatus(user, accountId, podId, 'error');
    expect(await usage()).toBe(usageCost(price, runningMs));
    clock.advance(600_000);
    await runMeterOnce(deps);
    expect(await usage()).toBe(usageCost(price, runningMs));

    // Started once more and terminated while running: charged to the termination.
    await moveOk(user, accountId, podId, 'start');
    await waitForStatus(user, accountId, podId, 'running');
    clock.advance(1_999);
    runningMs += 1_999;
    await moveOk(user, accountId, podId, 'terminate');
    expect(await usage()).toBe(usageCost(price, runningMs));
    clock.advance(3_600_000);
    await runMeterOnce(deps);
    expect(await usage()).toBe(usageCost(price, runningMs));

    expect(await balanceOf(deps, accountId)).toBe(25_000_000 - usageCost(price, runningMs));
    const meter = await deps.db
      .selectFrom('pod_meters')
      .selectAll()
      .where('pod_id', '=', podId)
      .executeTakeFirstOrThrow();
    expect(Number(meter.metered_ms)).toBe(runningMs);
    expect(Number(meter.charged)).toBe(usageCost(price, runningMs));
  });

  async function waitForHeld(podId: string) {
    const deadline = Date.now() + 5_000;
    while (!driver.isHeld(podId)) {
      if (Date.now() > deadline) throw new Error(`start of ${podId} never reached the driver`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('writes one billing.charge per account per run, splits usage at midnight, reports usage', async () => {
    const { deps } = gantry;
    clock.set('2026-02-03T23:59:00.000Z');
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    const a = await runningPod(user, 'alpha', 'alpha'); // 1 micro-unit per ms
    const b = await runningPod(user, 'beta', 'beta');
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
    // A user's stop charges to the stop, audited as a billing.charge of its own.
    clock.advance(1_000);
    await moveOk(user, accountId, a, 'stop');
    const stopCharge = (await auditEvents(gantry, accountId)).filter(
      (e) => e.action === 'billing.charge',
    )[1];
    expect(JSON.parse(stopCharge?.details ?? '{}')).toMatchObject({
      reason: 'pod_stop',
      podId: a,
      total: '0.001000',
    });
    await moveOk(user, accountId, b, 'stop');
  });

  it('does not bill the downtime of a Gantry that went down with its Pods (reconcile)', async () => {
    const { deps } = gantry;
    const user = await signUp(gantry.app);
    const podId = await runningPod(user, 'alpha');
    clock.advance(60_000);
    await runMeterOnce(deps);
    expect(await usageOf(deps, podId)).toBe(60_000);
    // Gantry dies (its workloads with it) and comes back an hour later.
    clock.advance(3_600_000);
    driver.forget(podId);
    expect(await reconcilePods(deps)).toBe(1);
    await waitForStatus(user, user.account.id, podId, 'exited');
    await runMeterOnce(deps);
    expect(await usageOf(deps, podId)).toBe(60_000);
    expect(await balanceOf(deps, user.account.id)).toBe(25_000_000 - 60_000);
  });

  it('charges every millisecond exactly once with two meters running at once', async () => {
    const { deps } = gantry;
    const users = [await signUp(gantry.app), await signUp(gantry.app)];
    const gpuTypes = ['p1', 'p2', 'p3'];
    const pods: Array<{ id: string; price: number; user: TestUser }> = [];
    for (const user of users) {
      for (const gpuType of gpuTypes) {
        pods.push({ id: await runningPod(user, gpuType), price: micro(gpuType), user });
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
        const expected = gpuTypes.reduce((sum, g) => sum + usageCost(micro(g), runningMs), 0);
        expect(await balanceOf(deps, accountId)).toBe(25_000_000 - expected);
        const events = (await auditEvents(gantry, accountId)).filter(
          (e) => e.action === 'billing.charge',
        );
        expect(events).toHaveLength(8);
      }
    } finally {
      for (const pod of pods) await move(pod.user, pod.user.account.id, pod.id, 'stop');
      await second?.close();
    }
  });
});

describe.each(DIALECTS)('zero balance on %s (real processes)', (dialect) => {
  let gantry: TestGantry;
  let dir: string;
  const clock = new ManualClock('2026-03-01T08:00:00.000Z');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-meter-'));
    gantry = await startTestGantry(dialect, { GANTRY_CATALOG: writeCatalog(dir) }, { clock });
  });
  afterAll(async () => {
    await gantry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops the account’s Pods when the balance runs out, audited by the system', async () => {
    const { deps } = gantry;
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    const pods: string[] = [];
    for (const gpuType of ['ten', 'fifteen']) {
      const pod = await createPodAs(user, accountId, { gpuType });
      await waitForStatus(user, accountId, pod.id, 'running');
      pods.push(pod.id);
    }
    const pids = await Promise.all(
      pods.map(async (id) => (await deps.runtime.status(id)).pid ?? 0),
    );
    expect(pids.every((pid) => processExists(pid))).toBe(true);
    clock.advance(50 * 60_000); // 25/h for 50 min = 20.83
    let result = await runMeterOnce(deps, { stopPod: stopPodBySystem });
    expect(result.stopped).toEqual([]);
    clock.advance(11 * 60_000); // 61 min in all: 25.42 > 25
    result = await runMeterOnce(deps, { stopPod: stopPodBySystem });
    expect(result.stopped.sort()).toEqual([...pods].sort());
    const statuses = await deps.db
      .selectFrom('pods')
      .select('status')
      .where('account_id', '=', accountId)
      .execute();
    expect(statuses.map((s) => s.status)).toEqual(['exited', 'exited']);
    expect(pids.some((pid) => processExists(pid))).toBe(false);
    const balance = await balanceOf(deps, accountId);
    expect(balance).toBe(25_000_000 - usageCost(25_000_000, 61 * 60_000));
    expect(balance).toBeLessThanOrEqual(0);
    const stops = (await auditEvents(gantry, accountId)).filter((e) => e.action === 'pod.stop');
    expect(stops).toHaveLength(2);
    for (const stop of stops) {
      expect(stop.actor_type).toBe('system');
      expect(JSON.parse(stop.details)).toMatchObject({ reason: 'balance_exhausted' });
    }
    // Nothing runs, nothing more is charged; starting again needs credit (402).
    clock.advance(3_600_000);
    await runMeterOnce(deps, { stopPod: stopPodBySystem });
    expect(await balanceOf(deps, accountId)).toBe(balance);
    const start = await move(user, accountId, pods[0] as string, 'start');
    expect(start.statusCode).toBe(402);
    expect(start.json().error.code).toBe('insufficient_balance');
  });
});
