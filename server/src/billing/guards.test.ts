import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
} from '../../test/harness.js';
import { loadConfig } from '../config.js';
import { ManualClock } from '../lib/clock.js';
import { BUILTIN_GPU_TYPES } from '../pods/catalog.js';
import { podBody, waitForStatus } from '../pods/pods.fixtures.js';
import { stopPodBySystem } from '../pods/pods.service.js';
import { findBillingAccount, sumLedger } from './billing.store.js';
import { runMeterOnce } from './meter.js';

/*
 * The billing guards through the Pods API: creating, starting or restarting a Pod needs an
 * hour of its price in the balance (402 insufficient_balance) and must keep the account's
 * live Pods within its hourly spend limit (409 spend_limit_exceeded). A refusal writes nothing.
 */

it('lets a fresh install deploy any built-in GPU type, even 8 of the dearest, on the welcome credit', () => {
  const config = loadConfig({ GANTRY_SECRET: 'test-secret-test-secret-test-secret-0123' });
  expect(config.welcomeCreditMicro).toBe(25_000_000);
  const dearest = Math.max(...BUILTIN_GPU_TYPES.map((g) => g.pricePerHourMicro));
  expect(dearest * 8).toBeLessThanOrEqual(config.welcomeCreditMicro);
  expect(dearest * 8).toBeLessThanOrEqual(80_000_000); // the default spend limit
});

describe.each(DIALECTS)('billing guards on Pods on %s', (dialect) => {
  let gantry: TestGantry;
  const clock = new ManualClock('2026-04-01T09:00:00.000Z');
  beforeAll(async () => {
    gantry = await startTestGantry(dialect, { GANTRY_WELCOME_CREDIT: '5.00' }, { clock });
  });
  afterAll(() => gantry?.close());

  const podsUrl = (user: TestUser) => `/api/v1/accounts/${user.account.id}/pods`;
  const create = (user: TestUser, overrides: Record<string, unknown>) =>
    user.request({ method: 'POST', url: podsUrl(user), payload: podBody(overrides) });
  const act = (user: TestUser, podId: string, move: string) =>
    user.request({ method: 'POST', url: `${podsUrl(user)}/${podId}/${move}` });

  /** What a refused request must leave untouched. */
  async function snapshot(user: TestUser) {
    const accountId = user.account.id;
    const pods = await gantry.deps.db
      .selectFrom('pods')
      .select(['id', 'status', 'updated_at'])
      .where('account_id', '=', accountId)
      .orderBy('id')
      .execute();
    const balance = Number((await findBillingAccount(gantry.deps.db, accountId))?.balance);
    expect(balance).toBe(await sumLedger(gantry.deps.db, accountId));
    const events = (await auditEvents(gantry, accountId)).length;
    return { pods, balance, events };
  }

  function expectError(
    response: { statusCode: number; json(): unknown },
    status: number,
    code: string,
  ) {
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: { code, message: expect.any(String) } });
  }

  it('refuses to create, start or restart a Pod without an hour of its price (402), writing nothing', async () => {
    const user = await signUp(gantry.app);
    let before = await snapshot(user);
    // 3 × 1.99 = 5.97 an hour; the balance is 5.00.
    const tooDear = await create(user, { gpuCount: 3 });
    expectError(tooDear, 402, 'insufficient_balance');
    expect(tooDear.json().error.message).toContain('5.970000');
    expect(await snapshot(user)).toEqual(before);

    // 2 × 1.99 = 3.98 fits; an hour later 1.02 is left.
    const created = await create(user, { gpuCount: 2 });
    expect(created.statusCode).toBe(201);
    const podId = created.json().id;
    await waitForStatus(user, user.account.id, podId, 'running');
    clock.advance(3_600_000);
    await runMeterOnce(gantry.deps, { stopPod: stopPodBySystem });

    before = await snapshot(user);
    expect(before.balance).toBe(5_000_000 - 3_980_000);
    // A restart is a stop and a start: refused, and the Pod keeps running.
    expectError(await act(user, podId, 'restart'), 402, 'insufficient_balance');
    expect(await snapshot(user)).toEqual(before);
    expect(await gantry.deps.runtime.status(podId)).toMatchObject({ state: 'running' });

    const stopped = await act(user, podId, 'stop');
    expect(stopped.statusCode).toBe(200);
    before = await snapshot(user);
    expectError(await act(user, podId, 'start'), 402, 'insufficient_balance');
    expect(await snapshot(user)).toEqual(before);
  });

  it('refuses to go over the spend limit (409), counting every live Pod, writing nothing', async () => {
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    const patched = await user.request({
      method: 'PATCH',
      url: `/api/v1/accounts/${accountId}/billing`,
      payload: { spendLimit: '4.50' },
    });
    expect(patched.statusCode).toBe(200);

    const first = await create(user, { gpuCount: 2, name: 'first' }); // 3.98 of 4.50
    expect(first.statusCode).toBe(201);
    const firstId = first.json().id;
    await waitForStatus(user, accountId, firstId, 'running');
    let before = await snapshot(user);
    const over = await create(user, { gpuType: 'rtx-4090', gpuCount: 1, name: 'second' }); // +0.69
    expectError(over, 409, 'spend_limit_exceeded');
    // In money, with the breakdown (the test Gantry's currency).
    expect(over.json().error.message).toMatch(
      /^\S*0\.69\S*\/h for this Pod \+ \S*3\.98\S*\/h running = \S*4\.67\S*\/h, over the \S*4\.50\S*\/h limit; an Admin or Billing member can raise it$/,
    );
    expect(await snapshot(user)).toEqual(before);

    expect((await act(user, firstId, 'stop')).statusCode).toBe(200);
    const second = await create(user, { gpuType: 'rtx-4090', gpuCount: 1, name: 'second' });
    expect(second.statusCode).toBe(201);
    await waitForStatus(user, accountId, second.json().id, 'running');

    // Starting the first again would be 3.98 + 0.69 = 4.67 an hour.
    before = await snapshot(user);
    expectError(await act(user, firstId, 'start'), 409, 'spend_limit_exceeded');
    expect(await snapshot(user)).toEqual(before);
    // A restart does not count the restarting Pod twice.
    expect((await act(user, second.json().id, 'restart')).statusCode).toBe(200);
    await waitForStatus(user, accountId, second.json().id, 'running');
    await user.request({ method: 'DELETE', url: `${podsUrl(user)}/${second.json().id}` });
  });
});
