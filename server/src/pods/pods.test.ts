import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, DIALECTS, startTestGantry, type TestGantry } from '../../test/harness.js';
import {
  buildPodTeam,
  createPodAs,
  type PodTeam,
  podBody,
  waitForStatus,
} from './pods.fixtures.js';

describe.each(DIALECTS)('Pods API on %s', (dialect) => {
  let gantry: TestGantry;
  let team: PodTeam;
  let base: string;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect, {
      GANTRY_MAX_RUNNING_PODS: '3',
      GANTRY_MAX_PODS: '5',
      GANTRY_CURRENCY: 'EUR',
    });
    team = await buildPodTeam(gantry);
    base = `/api/v1/accounts/${team.accountId}/pods`;
  });
  afterAll(() => gantry?.close());

  const podRows = () =>
    gantry.deps.db
      .selectFrom('pods')
      .selectAll()
      .where('account_id', '=', team.accountId)
      .execute();

  // Each test starts with no live Pods (the running cap is 3).
  afterEach(async () => {
    for (const row of await podRows()) {
      if (row.status !== 'terminated')
        await team.admin.request({ method: 'DELETE', url: `${base}/${row.id}` });
    }
  });

  it('serves the catalog to signed-in users only', async () => {
    const response = await team.basic.request({ method: 'GET', url: '/api/v1/catalog' });
    expect(response.statusCode).toBe(200);
    const catalog = response.json();
    expect(catalog.currency).toBe('EUR');
    expect(catalog.gpuTypes).toContainEqual({
      id: 'a100-80gb',
      name: 'NVIDIA A100 80GB',
      memoryGb: 80,
      pricePerHour: '1.990000',
    });
    expect(catalog.templates).toContainEqual(
      expect.objectContaining({ id: 'hello-web', ports: [8080], env: ['MESSAGE'] }),
    );
    expect(JSON.stringify(catalog)).not.toContain('command');
    const anonymous = await gantry.app.inject({ method: 'GET', url: '/api/v1/catalog' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('lets a Dev create a Pod: 201, price × count, audited, then running', async () => {
    const response = await team.dev.request({
      method: 'POST',
      url: base,
      payload: podBody({ name: 'trainer', gpuCount: 2, env: { MESSAGE: 'llama' } }),
    });
    expect(response.statusCode).toBe(201);
    const pod = response.json();
    expect(pod).toMatchObject({
      name: 'trainer',
      status: 'provisioning',
      gpuType: 'a100-80gb',
      gpuCount: 2,
      templateId: 'hello-web',
      pricePerHour: '3.980000',
      createdBy: team.dev.user.id,
      createdByName: 'Dee Dev',
      lastError: null,
    });
    expect(pod.actions).toEqual(['stop', 'terminate']);
    const running = await waitForStatus(team.dev, team.accountId, pod.id, 'running');
    expect(running.startedAt).toEqual(expect.any(String));
    expect(running.actions).toEqual(['stop', 'restart', 'terminate', 'connect']);
    const created = (await auditEvents(gantry, team.accountId)).find(
      (e) => e.action === 'pod.create' && e.resource_id === pod.id,
    );
    expect(created?.actor_user_id).toBe(team.dev.user.id);
    expect(JSON.parse(created?.details ?? '{}').after).toMatchObject({
      name: 'trainer',
      gpuCount: 2,
      pricePerHour: '3.980000',
      envNames: ['MESSAGE'],
    });
  });

  it('gives every role exactly its Pod permissions', async () => {
    const pod = await createPodAs(team.dev, team.accountId, { name: 'shared' });
    const running = await waitForStatus(team.dev, team.accountId, pod.id, 'running');
    const one = `${base}/${pod.id}`;

    // Each role sees the actions it may take now.
    const actionsOf = async (user: typeof team.admin) =>
      (await user.request({ method: 'GET', url: one })).json().actions;
    expect(await actionsOf(team.admin)).toEqual(['stop', 'restart', 'terminate', 'connect']);
    expect(running.actions).toEqual(['stop', 'restart', 'terminate', 'connect']);
    expect(await actionsOf(team.dev2)).toEqual(['stop', 'restart', 'connect']);
    expect(await actionsOf(team.basic)).toEqual(['connect']);

    // Basic: views and connects, never manages.
    const list = await team.basic.request({ method: 'GET', url: base });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((p: { id: string }) => p.id)).toContain(pod.id);
    const connect = await team.basic.request({ method: 'GET', url: `${one}/connect` });
    expect(connect.statusCode).toBe(200);
    expect(connect.json()).toEqual({ urls: [`http://gantry.test/pods/${pod.id}/8080/`] });
    for (const move of ['stop', 'restart']) {
      const denied = await team.basic.request({ method: 'POST', url: `${one}/${move}` });
      expect(denied.statusCode).toBe(403);
    }
    expect((await team.basic.request({ method: 'DELETE', url: one })).statusCode).toBe(403);
    const create = await team.basic.request({ method: 'POST', url: base, payload: podBody() });
    expect(create.statusCode).toBe(403);

    // Billing: no Pods at all (403, audited as denied).
    for (const url of [base, one, `${one}/connect`, `${one}/logs`]) {
      expect((await team.billing.request({ method: 'GET', url })).statusCode).toBe(403);
    }
    const denied = (await auditEvents(gantry, team.accountId)).filter(
      (e) => e.outcome === 'denied' && e.actor_user_id === team.billing.user.id,
    );
    expect(denied.map((e) => e.action)).toContain('pod.view');

    // Outsider: the account and its Pods do not exist.
    for (const url of [base, one, `${one}/connect`]) {
      const response = await team.outsider.request({ method: 'GET', url });
      expect(response.statusCode).toBe(404);
    }
    expect((await team.outsider.request({ method: 'DELETE', url: one })).statusCode).toBe(404);

    // Anonymous: 401.
    expect((await gantry.app.inject({ method: 'GET', url: base })).statusCode).toBe(401);
    expect((await gantry.app.inject({ method: 'POST', url: `${one}/stop` })).statusCode).toBe(401);

    // Logs: a viewer reads the tail of the output.
    const logs = await team.basic.request({ method: 'GET', url: `${one}/logs?tailBytes=4096` });
    expect(logs.statusCode).toBe(200);
    expect(logs.json().text).toContain('hello-web');
  });

  it('lets a Dev terminate only the Pods they created; an Admin any', async () => {
    const mine = await createPodAs(team.dev, team.accountId, { name: 'mine' });
    const theirs = await createPodAs(team.dev2, team.accountId, { name: 'theirs' });
    const other = await team.dev.request({ method: 'DELETE', url: `${base}/${theirs.id}` });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe('forbidden');
    const deniedEvent = (await auditEvents(gantry, team.accountId)).find(
      (e) => e.action === 'pod.terminate' && e.outcome === 'denied' && e.resource_id === theirs.id,
    );
    expect(deniedEvent?.actor_user_id).toBe(team.dev.user.id);

    const own = await team.dev.request({ method: 'DELETE', url: `${base}/${mine.id}` });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ status: 'terminated', actions: [] });
    const byAdmin = await team.admin.request({ method: 'DELETE', url: `${base}/${theirs.id}` });
    expect(byAdmin.statusCode).toBe(200);

    // Terminated Pods drop out of the list unless asked for, and refuse every move.
    const list = (await team.dev.request({ method: 'GET', url: base })).json();
    expect(list.items.map((p: { id: string }) => p.id)).not.toContain(mine.id);
    const all = (
      await team.dev.request({ method: 'GET', url: `${base}?includeTerminated=true` })
    ).json();
    expect(all.items.map((p: { id: string }) => p.id)).toContain(mine.id);
    for (const move of ['start', 'stop', 'restart']) {
      const response = await team.dev.request({
        method: 'POST',
        url: `${base}/${mine.id}/${move}`,
      });
      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('invalid_pod_transition');
    }
    expect(
      (await team.dev.request({ method: 'DELETE', url: `${base}/${mine.id}` })).statusCode,
    ).toBe(409);
    const actions = (await auditEvents(gantry, team.accountId))
      .filter((e) => e.resource_id === mine.id && e.outcome === 'success')
      .map((e) => e.action);
    expect(actions).toEqual(['pod.create', 'pod.terminate']);
  });

  it('refuses bad input with clear 400s and writes nothing', async () => {
    const before = (await podRows()).length;
    const eventsBefore = (await auditEvents(gantry, team.accountId)).length;
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [podBody({ gpuType: 'tpu-v9' }), 'unknown_gpu_type', /gpuType/],
      [podBody({ templateId: 'bitcoin-miner' }), 'unknown_template', /templateId/],
      [podBody({ gpuCount: 0 }), 'invalid_input', /gpuCount/],
      [podBody({ gpuCount: 9 }), 'invalid_input', /gpuCount/],
      [podBody({ gpuCount: 1.5 }), 'invalid_input', /gpuCount/],
      [podBody({ name: '' }), 'invalid_input', /name/],
      [podBody({ name: 'x'.repeat(65) }), 'invalid_input', /name/],
      [podBody({ name: 'bad\u0007name' }), 'invalid_input', /name/],
      [podBody({ env: { '1BAD': 'x' } }), 'invalid_env', /not a valid variable name/],
      [podBody({ env: { PORT: '80' } }), 'invalid_env', /reserved/],
      // Only what the template declares (hello-web: MESSAGE): interpreter hooks are refused by name.
      ...[
        { LD_PRELOAD: '/tmp/evil.so' },
        { PYTHONWARNINGS: 'all:0:antigravity.x:0:0', BROWSER: "/bin/sh -c 'id'" },
        { OPENSSL_CONF: '/etc/passwd' },
        { NODE_OPTIONS: '--require /tmp/x.js' },
        { PERL5OPT: '-Mwarnings;system("id")' },
        { GCONV_PATH: '/tmp' },
        { JAVA_TOOL_OPTIONS: '-javaagent:/tmp/x.jar' },
        { MESSAGE: 'ok', MODEL: 'llama' },
      ].map((env): [Record<string, unknown>, string, RegExp] => {
        const name = Object.keys(env).find((n) => n !== 'MESSAGE') ?? '';
        return [
          podBody({ env }),
          'env_not_allowed',
          new RegExp(
            `^body/env ${name} is not a variable the template "hello-web" lets you set \\(it takes MESSAGE\\)$`,
          ),
        ];
      }),
      [podBody({ env: { OK: 5 } }), 'invalid_input', /env/],
      [podBody({ command: ['sh', '-c', 'id'] }), 'invalid_input', /unknown field "command"/],
    ];
    for (const [payload, code, message] of cases) {
      const response = await team.dev.request({ method: 'POST', url: base, payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe(code);
      expect(response.json().error.message).toMatch(message);
    }
    expect((await podRows()).length).toBe(before);
    expect((await auditEvents(gantry, team.accountId)).length).toBe(eventsBefore);

    // Malformed and foreign Pod ids.
    const malformed = await team.dev.request({ method: 'GET', url: `${base}/not-a-uuid` });
    expect(malformed.statusCode).toBe(400);
    const foreign = await createPodAs(team.outsider, team.outsider.account.id, { name: 'foreign' });
    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', '/stop'],
      ['DELETE', ''],
      ['GET', '/connect'],
      ['GET', '/logs'],
    ] as const) {
      const response = await team.admin.request({ method, url: `${base}/${foreign.id}${suffix}` });
      expect(response.statusCode, `${method} ${suffix}`).toBe(404);
    }
    const tail = await team.dev.request({
      method: 'GET',
      url: `${base}/${foreign.id}/logs?tailBytes=0`,
    });
    expect(tail.statusCode).toBe(400);
    await team.outsider.request({
      method: 'DELETE',
      url: `/api/v1/accounts/${team.outsider.account.id}/pods/${foreign.id}`,
    });
  });

  it('answers 409 for moves the state machine refuses and for connecting to a stopped Pod', async () => {
    const pod = await createPodAs(team.dev, team.accountId, { name: 'mover' });
    await waitForStatus(team.dev, team.accountId, pod.id, 'running');
    const start = await team.dev.request({ method: 'POST', url: `${base}/${pod.id}/start` });
    expect(start.statusCode).toBe(409);
    expect(start.json().error.code).toBe('invalid_pod_transition');
    const stop = await team.dev.request({ method: 'POST', url: `${base}/${pod.id}/stop` });
    expect(stop.statusCode).toBe(200);
    expect(stop.json()).toMatchObject({ status: 'exited', actions: ['start', 'terminate'] });
    const again = await team.dev.request({ method: 'POST', url: `${base}/${pod.id}/stop` });
    expect(again.json().error.code).toBe('invalid_pod_transition');
    const restart = await team.dev.request({ method: 'POST', url: `${base}/${pod.id}/restart` });
    expect(restart.statusCode).toBe(409);
    const connect = await team.basic.request({ method: 'GET', url: `${base}/${pod.id}/connect` });
    expect(connect.statusCode).toBe(409);
    expect(connect.json().error.code).toBe('pod_not_running');
  });

  it('caps running Pods and Pods in total per account (409 pod_limit_reached)', async () => {
    const pods = [];
    for (let i = 0; i < 3; i++)
      pods.push(await createPodAs(team.dev, team.accountId, { name: `p${i}` }));
    const fourth = await team.dev.request({ method: 'POST', url: base, payload: podBody() });
    expect(fourth.statusCode).toBe(409);
    expect(fourth.json().error).toMatchObject({ code: 'pod_limit_reached' });
    expect(fourth.json().error.message).toMatch(/running Pods/);

    // Stopped Pods still count toward the total (5).
    // Only a running Pod can be stopped: wait for both (they start in the background).
    for (const pod of pods.slice(0, 2)) {
      await waitForStatus(team.dev, team.accountId, pod.id, 'running');
      const stopped = await team.dev.request({ method: 'POST', url: `${base}/${pod.id}/stop` });
      expect(stopped.statusCode).toBe(200);
    }
    await createPodAs(team.dev, team.accountId, { name: 'p3' });
    await createPodAs(team.dev, team.accountId, { name: 'p4' });
    const sixth = await team.dev.request({ method: 'POST', url: base, payload: podBody() });
    expect(sixth.json().error.message).toMatch(/5 Pods/);
    // Starting a stopped one again would exceed the running cap.
    const start = await team.dev.request({ method: 'POST', url: `${base}/${pods[0].id}/start` });
    expect(start.statusCode).toBe(409);
    expect(start.json().error.code).toBe('pod_limit_reached');

    // Pagination: a stable cursor walks the list.
    const first = (await team.dev.request({ method: 'GET', url: `${base}?limit=2` })).json();
    expect(first.items).toHaveLength(2);
    const second = (
      await team.dev.request({ method: 'GET', url: `${base}?limit=2&cursor=${first.nextCursor}` })
    ).json();
    expect(second.items[0].id < first.items[1].id).toBe(true);
  });
});
