// Pods with real child processes: the Connect proxy (HTTP and WebSocket),
// stop, a Pod dying on its own, and Gantry restarting.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  auditEvents,
  DIALECTS,
  openTestDatabase,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { buildPodTeam, createPodAs, type PodTeam, waitForStatus } from './pods.fixtures.js';
import { stopPodBySystem } from './pods.service.js';
import { processExists, rawGet, waitFor } from './runtime/test-helpers.js';

describe.each(DIALECTS)('Pods at runtime on %s', (dialect) => {
  let gantry: TestGantry;
  let team: PodTeam;
  let port: number;
  let base: string;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
    team = await buildPodTeam(gantry);
    await gantry.app.listen({ port: 0, host: '127.0.0.1' });
    port = (gantry.app.server.address() as { port: number }).port;
    base = `/api/v1/accounts/${team.accountId}/pods`;
  });
  afterAll(() => gantry?.close());

  const pidOf = async (podId: string) => (await gantry.deps.runtime.status(podId)).pid ?? 0;
  const get = (path: string, headers: Record<string, string> = {}) => rawGet(port, path, headers);
  const wsEcho = (path: string, headers: Record<string, string>, message: string) =>
    new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
      ws.on('error', reject);
      ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.on('open', () => ws.send(message));
      ws.on('message', (data) => {
        resolve(data.toString());
        ws.close();
      });
    });

  it('connects through the proxy (HTTP and WebSocket) for members with pods.connect only', async () => {
    const pod = await createPodAs(team.dev, team.accountId, { name: 'Proxy <Pod>' });
    await waitForStatus(team.dev, team.accountId, pod.id, 'running');
    const prefix = `/pods/${pod.id}/8080`;
    const asDev = { cookie: team.dev.cookie };

    const page = await get(`${prefix}/`, asDev);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Proxy &lt;Pod&gt;');
    expect(page.body).toContain(pod.id);

    // Gantry's credentials never reach the Pod; other cookies do.
    const seen = await get(`${prefix}/headers`, { cookie: `${team.basic.cookie}; theme=dark` });
    expect(seen.status).toBe(200);
    const headers = JSON.parse(seen.body).headers;
    expect(headers.cookie).toBe('theme=dark');
    expect(headers.authorization).toBeUndefined();
    expect(headers['x-forwarded-prefix']).toBe(prefix);

    expect(await wsEcho(`${prefix}/ws`, asDev, 'hello over ws')).toBe('hello over ws');
    expect(await wsEcho(`${prefix}/ws`, { cookie: team.basic.cookie }, 'basic')).toBe('basic');

    // Refused: anonymous (401, or sign-in for a browser), Billing (403), outsider (404).
    const anonymous = await get(`${prefix}/`);
    expect(anonymous.status).toBe(401);
    const browser = await get(`${prefix}/x?y=1`, { accept: 'text/html' });
    expect(browser.status).toBe(303);
    expect(browser.headers.location).toBe(`/signin?next=${encodeURIComponent(`${prefix}/x?y=1`)}`);
    expect((await get(`${prefix}/`, { cookie: team.billing.cookie })).status).toBe(403);
    expect((await get(`${prefix}/`, { cookie: team.outsider.cookie })).status).toBe(404);
    expect((await get(`${prefix}/`, { authorization: 'Bearer gnt_nope' })).status).toBe(401);
    await expect(wsEcho(`${prefix}/ws`, {}, 'x')).rejects.toThrow(/401/);
    await expect(wsEcho(`${prefix}/ws`, { cookie: team.billing.cookie }, 'x')).rejects.toThrow(
      /403/,
    );
    await expect(
      wsEcho(`${prefix}/ws`, { cookie: team.dev.cookie, origin: 'https://evil.example' }, 'x'),
    ).rejects.toThrow(/403/);

    // Escapes, ports that are not exposed, unknown Pods.
    for (const path of [
      `${prefix}/../../api/v1/me`,
      `${prefix}/..%2F..%2Fapi`,
      `${prefix}/%2e%2e/x`,
      `/pods/${pod.id}/notaport/`,
    ]) {
      expect((await get(path, asDev)).status, path).toBe(400);
    }
    expect((await get(`/pods/${pod.id}/9999/`, asDev)).status).toBe(404);
    expect((await get(`/pods/01900000-0000-7000-8000-000000000000/8080/`, asDev)).status).toBe(404);

    // pod.connect: once per user per Pod per hour, not per request.
    const connects = (await auditEvents(gantry, team.accountId)).filter(
      (e) => e.action === 'pod.connect' && e.outcome === 'success',
    );
    expect(connects.map((e) => e.actor_user_id).sort()).toEqual(
      [team.dev.user.id, team.basic.user.id].sort(),
    );
    const denied = (await auditEvents(gantry, team.accountId)).filter(
      (e) => e.action === 'pod.connect' && e.outcome === 'denied',
    );
    expect(denied.map((e) => e.actor_user_id)).toContain(team.billing.user.id);

    // Stopped: the process is gone and Connect answers 409.
    const pid = await pidOf(pod.id);
    expect(processExists(pid)).toBe(true);
    const stop = await team.dev.request({ method: 'POST', url: `${base}/${pod.id}/stop` });
    expect(stop.json().status).toBe('exited');
    await waitFor(() => !processExists(pid));
    const stopped = await get(`${prefix}/`, asDev);
    expect(stopped.status).toBe(409);
    expect(JSON.parse(stopped.body).error.code).toBe('pod_not_running');

    // Started again, then terminated: files removed, nothing left running.
    await team.dev.request({ method: 'POST', url: `${base}/${pod.id}/start` });
    await waitForStatus(team.dev, team.accountId, pod.id, 'running');
    expect((await get(`${prefix}/healthz`, asDev)).status).toBe(200);
    const restart = await team.dev.request({ method: 'POST', url: `${base}/${pod.id}/restart` });
    expect(restart.json().status).toBe('starting');
    await waitForStatus(team.dev, team.accountId, pod.id, 'running');
    const newPid = await pidOf(pod.id);
    expect(newPid).not.toBe(pid);
    await team.dev.request({ method: 'DELETE', url: `${base}/${pod.id}` });
    await waitFor(() => !processExists(newPid));
    await waitFor(() => !existsSync(join(gantry.dataDir, 'pods', pod.id)));
    const actions = (await auditEvents(gantry, team.accountId))
      .filter((e) => e.resource_id === pod.id && e.outcome === 'success')
      .map((e) => e.action);
    expect(actions).toEqual([
      'pod.create',
      'pod.connect',
      'pod.connect',
      'pod.stop',
      'pod.start',
      'pod.restart',
      'pod.terminate',
    ]);
  });

  it('marks a Pod whose process dies on its own as error (audited by system), and starts it again', async () => {
    const pod = await createPodAs(team.dev, team.accountId, { name: 'fragile' });
    await waitForStatus(team.dev, team.accountId, pod.id, 'running');
    process.kill(await pidOf(pod.id), 'SIGKILL');
    const failed = await waitForStatus(team.dev, team.accountId, pod.id, 'error');
    expect(failed.lastError).toMatch(/exited unexpectedly \(signal SIGKILL\)/);
    expect(failed.actions).toEqual(['start', 'terminate']);
    const event = (await auditEvents(gantry, team.accountId)).find(
      (e) => e.action === 'pod.error' && e.resource_id === pod.id,
    );
    expect(event).toMatchObject({ actor_type: 'system', outcome: 'success' });
    expect(JSON.parse(event?.details ?? '{}')).toMatchObject({
      before: { status: 'running' },
      after: { status: 'error' },
    });

    await team.dev.request({ method: 'POST', url: `${base}/${pod.id}/start` });
    const again = await waitForStatus(team.dev, team.accountId, pod.id, 'running');
    expect(again.lastError).toBeNull();

    // The system (billing) stops it: recorded with its reason, process gone when it returns.
    const pid = await pidOf(pod.id);
    await stopPodBySystem(gantry.deps, pod.id, 'balance_exhausted', { balance: '0.000000' });
    expect(processExists(pid)).toBe(false);
    const stopped = await waitForStatus(team.dev, team.accountId, pod.id, 'exited');
    expect(stopped.stoppedAt).toEqual(expect.any(String));
    const stop = (await auditEvents(gantry, team.accountId)).find(
      (e) => e.action === 'pod.stop' && e.resource_id === pod.id,
    );
    expect(stop?.actor_type).toBe('system');
    expect(JSON.parse(stop?.details ?? '{}')).toMatchObject({
      reason: 'balance_exhausted',
      balance: '0.000000',
    });
    await stopPodBySystem(gantry.deps, pod.id, 'again');
    await team.dev.request({ method: 'DELETE', url: `${base}/${pod.id}` });
  });
});

describe.each(DIALECTS)('Gantry restarting on %s', (dialect) => {
  it('records its Pods as exited on shutdown and reconciles live Pods without a process on start', async () => {
    const database = await openTestDatabase(dialect);
    const shared = { ...database, close: async () => {} };
    const first = await startTestGantry(dialect, {}, { database: shared });
    const team = await buildPodTeam(first);
    const pod = await createPodAs(team.dev, team.accountId, { name: 'survivor' });
    await waitForStatus(team.dev, team.accountId, pod.id, 'running');
    const pid = (await first.deps.runtime.status(pod.id)).pid ?? 0;
    await first.close();
    expect(processExists(pid)).toBe(false);
    const row = await database.db
      .selectFrom('pods')
      .selectAll()
      .where('id', '=', pod.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('exited');

    // A crash leaves the record running; the next start finds no process.
    await database.db
      .updateTable('pods')
      .set({ status: 'running' })
      .where('id', '=', pod.id)
      .execute();
    const second = await startTestGantry(dialect, {}, { database });
    try {
      const after = await second.deps.db
        .selectFrom('pods')
        .selectAll()
        .where('id', '=', pod.id)
        .executeTakeFirstOrThrow();
      expect(after.status).toBe('exited');
      const stops = (await auditEvents(second, team.accountId)).filter(
        (e) => e.action === 'pod.stop' && e.resource_id === pod.id,
      );
      expect(stops.map((e) => [e.actor_type, JSON.parse(e.details).reason])).toEqual([
        ['system', 'gantry_shutdown'],
        ['system', 'no_live_process'],
      ]);
    } finally {
      await second.close();
    }
  });
});
