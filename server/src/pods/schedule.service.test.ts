// Pods that stop on their own: stopAfter / terminateAfter / idleTimeoutMinutes set at create and
// through PATCH, enforced by the billing meter in the transaction of its charge (audited by
// system with the reason), on real Pods of the local driver and an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  DIALECTS,
  detailsOf,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { runMeterOnce } from '../billing/meter.js';
import { ManualClock } from '../lib/clock.js';
import { recordPodTraffic } from './connect.store.js';
import { buildPodTeam, createPodAs, type PodTeam, waitForStatus } from './pods.fixtures.js';
import { enforcePodSchedule } from './pods.service.js';
import { processExists, waitFor } from './runtime/test-helpers.js';

const HOUR = 3600_000;

describe.each(DIALECTS)('Pod schedules on %s', (dialect) => {
  let gantry: TestGantry;
  let team: PodTeam;
  let clock: ManualClock;
  let base: string;
  beforeAll(async () => {
    clock = new ManualClock(new Date());
    gantry = await startTestGantry(dialect, {}, { clock });
    team = await buildPodTeam(gantry);
    base = `/api/v1/accounts/${team.accountId}/pods`;
  });
  afterAll(() => gantry?.close());

  const meter = () => runMeterOnce(gantry.deps, { enforceSchedule: enforcePodSchedule });
  const patch = (user: PodTeam['dev'], podId: string, payload: Record<string, unknown>) =>
    user.request({ method: 'PATCH', url: `${base}/${podId}`, payload });
  const pidOf = async (podId: string) => (await gantry.deps.runtime.status(podId)).pid ?? 0;

  it('stops after stopAfter and terminates after terminateAfter, audited by system', async () => {
    const created = await createPodAs(team.dev, team.accountId, {
      name: 'deadline pod',
      stopAfter: 'PT1H',
      terminateAfter: 'PT3H',
    });
    expect(Date.parse(created.stopAt) - clock.now().getTime()).toBe(HOUR);
    expect(Date.parse(created.terminateAt) - clock.now().getTime()).toBe(3 * HOUR);
    await waitForStatus(team.dev, team.accountId, created.id, 'running');
    const pid = await pidOf(created.id);

    // Extending needs pods.stop: a Basic member may not, the Dev may.
    expect((await patch(team.basic, created.id, { stopAfter: 'PT2H' })).statusCode).toBe(403);
    const extended = await patch(team.dev, created.id, { stopAfter: 'PT2H' });
    expect(extended.statusCode).toBe(200);
    expect(Date.parse(extended.json().stopAt) - clock.now().getTime()).toBe(2 * HOUR);
    const update = (await auditEvents(gantry, team.accountId)).find(
      (e) => e.action === 'pod.update' && e.outcome === 'success',
    );
    expect(detailsOf(update as { details: string })).toMatchObject({
      before: { stopAt: created.stopAt },
      after: { stopAt: extended.json().stopAt },
    });

    clock.advance(HOUR + 30 * 60_000);
    await meter();
    expect(
      (await team.dev.request({ method: 'GET', url: `${base}/${created.id}` })).json().status,
    ).toBe('running');

    clock.advance(HOUR);
    await meter();
    const stopped = (
      await team.dev.request({ method: 'GET', url: `${base}/${created.id}` })
    ).json();
    expect(stopped.status).toBe('exited');
    expect(stopped.stopAt).toBeNull();
    await waitFor(() => !processExists(pid));
    const events = await auditEvents(gantry, team.accountId);
    const stop = events.find((e) => e.action === 'pod.stop' && e.resource_id === created.id);
    expect(stop?.actor_type).toBe('system');
    expect(detailsOf(stop as { details: string })).toMatchObject({ reason: 'stop_after' });
    // Charged up to the stop: the meter's billing.charge sits right before the stop.
    const index = events.indexOf(stop as (typeof events)[number]);
    expect(events[index - 1]?.action).toBe('billing.charge');

    clock.advance(HOUR);
    await meter();
    const gone = (await team.dev.request({ method: 'GET', url: `${base}/${created.id}` })).json();
    expect(gone.status).toBe('terminated');
    const terminate = (await auditEvents(gantry, team.accountId)).find(
      (e) => e.action === 'pod.terminate' && e.resource_id === created.id,
    );
    expect(terminate?.actor_type).toBe('system');
    expect(detailsOf(terminate as { details: string })).toMatchObject({
      reason: 'terminate_after',
    });
    expect((await patch(team.dev, created.id, { stopAfter: 'PT1H' })).statusCode).toBe(409);
  });

  it('stops a Pod without Connect traffic for its idle timeout', async () => {
    const created = await createPodAs(team.dev, team.accountId, {
      name: 'idle pod',
      idleTimeoutMinutes: 30,
    });
    await waitForStatus(team.dev, team.accountId, created.id, 'running');
    clock.advance(20 * 60_000);
    await recordPodTraffic(gantry.deps.db, created.id, clock.now().toISOString());
    clock.advance(20 * 60_000);
    await meter();
    expect(
      (await team.dev.request({ method: 'GET', url: `${base}/${created.id}` })).json().status,
    ).toBe('running');
    clock.advance(11 * 60_000);
    await meter();
    expect(
      (await team.dev.request({ method: 'GET', url: `${base}/${created.id}` })).json().status,
    ).toBe('exited');
    const stop = (await auditEvents(gantry, team.accountId)).find(
      (e) => e.action === 'pod.stop' && e.resource_id === created.id,
    );
    expect(detailsOf(stop as { details: string })).toMatchObject({
      reason: 'idle_timeout',
      idleTimeoutMinutes: 30,
    });
  });

  it('refuses bad schedules with a 400 and terminateAfter without pods.terminate with a 403', async () => {
    const created = await createPodAs(team.dev, team.accountId, { name: 'checked pod' });
    for (const payload of [
      { stopAfter: '2h' },
      { stopAfter: 'P' },
      { stopAfter: '2000-01-01T00:00:00Z' },
      { terminateAfter: 'P999D' },
      { idleTimeoutMinutes: 0 },
      { idleTimeoutMinutes: 'ten' },
      { stopAt: 'PT1H' },
    ]) {
      const res = await patch(team.dev, created.id, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await patch(team.dev2, created.id, { terminateAfter: 'PT1H' })).statusCode).toBe(403);
    expect((await patch(team.outsider, created.id, { stopAfter: 'PT1H' })).statusCode).toBe(404);
    const cleared = await patch(team.dev, created.id, {
      stopAfter: null,
      idleTimeoutMinutes: null,
    });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ stopAt: null, idleTimeoutMinutes: null });
  });
});
