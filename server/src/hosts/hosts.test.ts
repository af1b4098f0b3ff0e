// GPU hosts and placement on real Docker Engines (two of them, as two hosts), and Gantry
// instances sharing one database: no GPU is ever held twice, any instance serves any Pod, a
// host that stops answering turns its Pods `error` billed up to when it was last seen.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
} from '../../test/harness.js';
import { runMeterOnce } from '../billing/meter.js';
import { openDatabase } from '../db/database.js';
import { newToken } from '../lib/secrets.js';
import { loadCatalog } from '../pods/catalog.js';
import { waitForStatus } from '../pods/pods.fixtures.js';
import { superviseHosts } from '../pods/pods.service.js';
import { containerNameOf, volumeNameOf } from '../pods/runtime/docker-driver.js';
import {
  DOCKER1,
  DOCKER2,
  dockerAvailable,
  dockerClient,
} from '../pods/runtime/docker-test-env.js';
import { allocateFreePorts } from '../pods/runtime/net-util.js';
import { rawGet, waitFor } from '../pods/runtime/test-helpers.js';
import {
  addHost,
  drainHost,
  listHostDtos,
  parseGpuDeclarations,
  removeHost,
} from './hosts.service.js';

const catalog = loadCatalog(undefined);

describe('parseGpuDeclarations', () => {
  it('reads "<type>:<indices>" by catalog name or id', () => {
    expect(parseGpuDeclarations(catalog, ['NVIDIA RTX 4090:0,1', 'l40s:2'])).toEqual([
      { index: 0, gpuType: 'rtx-4090' },
      { index: 1, gpuType: 'rtx-4090' },
      { index: 2, gpuType: 'l40s' },
    ]);
  });
  it('names what is wrong', () => {
    expect(() => parseGpuDeclarations(catalog, ['NVIDIA RTX 4090'])).toThrow(/must be/);
    expect(() => parseGpuDeclarations(catalog, ['Voodoo 3:0'])).toThrow(/not a GPU type/);
    expect(() => parseGpuDeclarations(catalog, ['l40s:0,x'])).toThrow(/"x" is not a GPU index/);
    expect(() => parseGpuDeclarations(catalog, ['l40s:0', 'rtx-4090:0'])).toThrow(
      /index 0 is declared twice/,
    );
  });
});

const available = dockerAvailable(2);
const PG_URL = process.env.TEST_DATABASE_URL;
const run = newToken(4)
  .toLowerCase()
  .replace(/[^a-z0-9]/g, 'x');
const CREATES = 20;

/** A relay to an engine socket that the test can cut (an engine that stops answering). */
async function engineRelay(target: string): Promise<{ url: string; cut(): Promise<void> }> {
  const socketPath = path.join(os.tmpdir(), `gantry-relay-${run}-${Date.now()}.sock`);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(new URL(target).pathname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    url: `unix://${socketPath}`,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

for (const dialect of DIALECTS) {
  describe.skipIf(!available)(`hosts and placement on ${dialect}`, () => {
    const instances: TestGantry[] = [];
    let schema: string | undefined;
    const env = { GANTRY_RUNTIME: 'docker', GANTRY_HOST_GRACE_SECONDS: '1' };

    /** A second instance on the same database (PostgreSQL; SQLite has one instance). */
    async function startInstance(): Promise<TestGantry> {
      if (dialect === 'sqlite' || !schema) {
        const first = await startTestGantry(dialect, env);
        instances.push(first);
        return first;
      }
      const database = openDatabase({ databaseUrl: PG_URL, pgSchema: schema, pgPoolSize: 5 });
      const gantry = await startTestGantry(dialect, env, { database });
      instances.push(gantry);
      return gantry;
    }

    let a: TestGantry;
    let b: TestGantry;
    beforeAll(async () => {
      if (dialect === 'postgres') {
        schema = `t_hosts_${run}`;
        const admin = new pg.Client({ connectionString: PG_URL });
        await admin.connect();
        await admin.query(`create schema ${schema}`);
        await admin.end();
        const database = openDatabase({ databaseUrl: PG_URL, pgSchema: schema, pgPoolSize: 5 });
        a = await startTestGantry(dialect, env, { database });
        instances.push(a);
        b = await startInstance();
      } else {
        a = await startInstance();
        b = a;
      }
      await addHost(a.deps, { name: 'gpu-1', engine: DOCKER1, gpus: ['NVIDIA RTX 4090:0,1,2,3'] });
      await addHost(b.deps, {
        name: 'gpu-2',
        engine: DOCKER2,
        gpus: ['rtx-4090:0,1,2,3', 'l40s:4'],
      });
      for (const gantry of new Set([a, b])) {
        await gantry.app.listen({ port: 0, host: '127.0.0.1' });
      }
    });

    afterAll(async () => {
      // Terminate every Pod of the run, so nothing is left on the shared engines.
      const pods = a ? await a.deps.db.selectFrom('pods').select('id').execute() : [];
      for (const { id } of pods) await a.deps.runtime.terminate(id).catch(() => {});
      for (const gantry of instances.reverse()) await gantry.close().catch(() => {});
      if (schema) {
        const admin = new pg.Client({ connectionString: PG_URL });
        await admin.connect();
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.end();
      }
    });

    const portOf = (gantry: TestGantry) => (gantry.app.server.address() as net.AddressInfo).port;

    it('refuses a bad host and keeps the good ones', async () => {
      await expect(
        addHost(a.deps, { name: 'down', engine: 'unix:///nonexistent.sock', gpus: ['l40s:0'] }),
      ).rejects.toMatchObject({ code: 'engine_unavailable' });
      await expect(
        addHost(a.deps, { name: 'again', engine: DOCKER1, gpus: ['l40s:9'] }),
      ).rejects.toMatchObject({ code: 'host_in_use', message: expect.stringContaining('gpu-1') });
      await expect(
        addHost(a.deps, { name: 'Bad Name', engine: DOCKER1, gpus: ['l40s:0'] }),
      ).rejects.toMatchObject({ code: 'invalid_input' });
      await expect(
        addHost(a.deps, { name: 'x', engine: 'http://example', gpus: ['l40s:0'] }),
      ).rejects.toMatchObject({ code: 'invalid_input' });
      await expect(drainHost(a.deps, 'nope')).rejects.toMatchObject({ code: 'not_found' });
      expect((await listHostDtos(b.deps)).map((h) => h.name)).toEqual(['gpu-1', 'gpu-2']);
    });

    it(`${CREATES} concurrent creates across instances never share a GPU; the rest get 409 no_capacity`, async () => {
      const users: TestUser[] = [];
      for (let i = 0; i < CREATES; i += 1) users.push(await signUp(a.app, { name: `User ${i}` }));
      const answers = await Promise.all(
        users.map((user, i) =>
          (i % 2 === 0
            ? user.request
            : (o: Parameters<TestUser['request']>[0]) =>
                b.app.inject({ ...o, headers: { ...o.headers, cookie: user.cookie } }))({
            method: 'POST',
            url: `/api/v1/accounts/${user.account.id}/pods`,
            payload: { name: `p${i}`, gpuType: 'rtx-4090', gpuCount: 1, templateId: 'hello-web' },
          }),
        ),
      );
      const created = answers.filter((r) => r.statusCode === 201);
      const refused = answers.filter((r) => r.statusCode !== 201);
      expect(created).toHaveLength(8);
      expect(refused.map((r) => r.statusCode)).toEqual(Array(CREATES - 8).fill(409));
      expect(refused[0]?.json().error).toMatchObject({
        code: 'no_capacity',
        message: expect.stringContaining('NVIDIA L40S (1 free)'),
      });
      const held = await a.deps.db
        .selectFrom('gpu_assignments')
        .select(['host_id', 'gpu_index', 'pod_id'])
        .execute();
      expect(held).toHaveLength(8);
      expect(new Set(held.map((h) => `${h.host_id}:${h.gpu_index}`)).size).toBe(8);
      expect(new Set(held.map((h) => h.pod_id)).size).toBe(8);
      // Nothing half-created: a Pod row only for each 201.
      expect(await a.deps.db.selectFrom('pods').select('id').execute()).toHaveLength(8);
      const catalogNow = await users[0]?.request({ method: 'GET', url: '/api/v1/catalog' });
      const types = catalogNow?.json().gpuTypes as Array<{ id: string; available: number }>;
      expect(types.find((t) => t.id === 'rtx-4090')?.available).toBe(0);
      expect(types.find((t) => t.id === 'l40s')?.available).toBe(1);

      // Each Pod runs on its host with its GPUs on the container, and they are all different.
      for (const answer of created) {
        const pod = answer.json();
        const row = await a.deps.db
          .selectFrom('pods')
          .select(['host_id', 'account_id'])
          .where('id', '=', pod.id)
          .executeTakeFirstOrThrow();
        const user = users.find((u) => u.account.id === row.account_id);
        if (!user) throw new Error('no owner');
        await waitForStatus(user, row.account_id, pod.id, 'running', 60_000);
      }
      for (const answer of created) {
        const podId = answer.json().id as string;
        const row = held.filter((h) => h.pod_id === podId);
        const host = (await listHostDtos(a.deps)).find((h) => h.id === row[0]?.host_id);
        const engine = host?.name === 'gpu-1' ? DOCKER1 : DOCKER2;
        const info = await dockerClient(engine).getContainer(containerNameOf(podId)).inspect();
        expect(info.Config.Labels['gantry.gpus']).toBe(String(row[0]?.gpu_index));
      }
      // Terminating gives the GPUs back.
      for (const answer of created.slice(0, 2)) {
        const podId = answer.json().id as string;
        const row = await a.deps.db
          .selectFrom('pods')
          .select('account_id')
          .where('id', '=', podId)
          .executeTakeFirstOrThrow();
        const user = users.find((u) => u.account.id === row.account_id);
        const response = await user?.request({
          method: 'DELETE',
          url: `/api/v1/accounts/${row.account_id}/pods/${podId}`,
        });
        expect(response?.statusCode).toBe(200);
      }
      expect(await a.deps.db.selectFrom('gpu_assignments').select('pod_id').execute()).toHaveLength(
        6,
      );
      await expect(removeHost(a.deps, 'gpu-1')).rejects.toMatchObject({ code: 'host_in_use' });
    }, 240_000);

    it('any instance serves any Pod: Connect, logs, stop and start from the other', async () => {
      const owner = await signUp(a.app, { name: 'Owner' });
      const created = await owner.request({
        method: 'POST',
        url: `/api/v1/accounts/${owner.account.id}/pods`,
        payload: { name: 'shared', gpuType: 'l40s', gpuCount: 1, templateId: 'hello-web' },
      });
      expect(created.statusCode).toBe(201);
      const podId = created.json().id as string;
      await waitForStatus(owner, owner.account.id, podId, 'running', 60_000);
      const onB = (o: Parameters<TestUser['request']>[0]) =>
        b.app.inject({ ...o, headers: { ...o.headers, cookie: owner.cookie } });
      const base = `/api/v1/accounts/${owner.account.id}/pods/${podId}`;

      const page = await rawGet(portOf(b), `/pods/${podId}/8080/healthz`, { cookie: owner.cookie });
      expect(page.status).toBe(200);
      expect(JSON.parse(page.body)).toMatchObject({ ok: true, podId });
      const logs = await onB({ method: 'GET', url: `${base}/logs` });
      expect(logs.json().text).toContain('listening');

      expect((await onB({ method: 'POST', url: `${base}/stop` })).statusCode).toBe(200);
      const docker = dockerClient(DOCKER2);
      await waitFor(async () => {
        const info = await docker.getContainer(containerNameOf(podId)).inspect();
        return !info.State.Running;
      }, 30_000);
      await waitForStatus(owner, owner.account.id, podId, 'exited');
      expect((await onB({ method: 'POST', url: `${base}/start` })).statusCode).toBe(200);
      await waitForStatus(owner, owner.account.id, podId, 'running', 60_000);

      // Restarting an instance leaves the Pod running (and reconciliation keeps it running).
      if (dialect === 'postgres') {
        await a.close();
        instances.splice(instances.indexOf(a), 1);
        const again = await startInstance();
        const row = await again.deps.db
          .selectFrom('pods')
          .select('status')
          .where('id', '=', podId)
          .executeTakeFirstOrThrow();
        expect(row.status).toBe('running');
        const info = await docker.getContainer(containerNameOf(podId)).inspect();
        expect(info.State.Running).toBe(true);
        a = again;
      }

      // Recorded stopped while its container still runs (an instance killed between the two):
      // supervision stops the container, so nothing runs unbilled.
      await a.deps.db.deleteFrom('gpu_assignments').where('pod_id', '=', podId).execute();
      await a.deps.db
        .updateTable('pods')
        .set({ status: 'exited' })
        .where('id', '=', podId)
        .execute();
      await superviseHosts(a.deps);
      const after = await docker.getContainer(containerNameOf(podId)).inspect();
      expect(after.State.Running).toBe(false);
    }, 180_000);

    it('a template whose image is not on the hosts is 409 image_missing, and nothing is created', async () => {
      a.deps.catalog.templates.push({
        id: 'no-image',
        name: 'No image',
        description: '',
        ports: [8080],
        runtime: { id: 'no-image', command: ['x'], ports: [8080], image: `gantry-absent-${run}:1` },
      });
      const owner = await signUp(a.app, { name: 'Imageless' });
      const before = await a.deps.db.selectFrom('pods').select('id').execute();
      const answer = await owner.request({
        method: 'POST',
        url: `/api/v1/accounts/${owner.account.id}/pods`,
        payload: { name: 'x', gpuType: 'l40s', gpuCount: 1, templateId: 'no-image' },
      });
      expect(answer.statusCode).toBe(409);
      expect(answer.json().error).toMatchObject({
        code: 'image_missing',
        message: expect.stringContaining(`gantry-absent-${run}:1`),
      });
      expect(await a.deps.db.selectFrom('pods').select('id').execute()).toHaveLength(before.length);
      a.deps.catalog.templates.pop();
    });

    it.skipIf(dialect !== 'postgres')(
      'kill -9 of the instance that created a Pod changes nothing for the Pod',
      async () => {
        const [port] = await allocateFreePorts(1, '127.0.0.1');
        const url = `http://127.0.0.1:${port}`;
        const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gantry-kill-'));
        const bin = new URL('../../bin/gantry.mjs', import.meta.url).pathname;
        const child = spawn(process.execPath, [bin, 'serve'], {
          env: {
            ...process.env,
            PORT: String(port),
            HOST: '127.0.0.1',
            GANTRY_DATA_DIR: dataDir,
            GANTRY_PUBLIC_URL: url,
            GANTRY_SECRET: 'test-secret-test-secret-test-secret-0123',
            GANTRY_RUNTIME: 'docker',
            DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
            LOG_LEVEL: 'warn',
          },
          stdio: ['ignore', 'inherit', 'inherit'],
        });
        try {
          await waitFor(
            () =>
              fetch(`${url}/readyz`).then(
                (r) => r.ok,
                () => false,
              ),
            30_000,
          );
          const owner = await signUp(a.app, { name: 'Killed Owner' });
          const created = await fetch(`${url}/api/v1/accounts/${owner.account.id}/pods`, {
            method: 'POST',
            headers: { cookie: owner.cookie, origin: url, 'content-type': 'application/json' },
            body: JSON.stringify({
              name: 'survivor',
              gpuType: 'rtx-4090',
              gpuCount: 1,
              templateId: 'hello-web',
            }),
          });
          expect(created.status).toBe(201);
          const podId = ((await created.json()) as { id: string }).id;
          await waitForStatus(owner, owner.account.id, podId, 'running', 60_000);
          child.kill('SIGKILL');
          await new Promise((resolve) => child.once('exit', resolve));

          // The other instance serves it, and it is still running and billed.
          const page = await rawGet(portOf(b), `/pods/${podId}/8080/healthz`, {
            cookie: owner.cookie,
          });
          expect(page.status).toBe(200);
          const engineOf = async () => {
            const row = await b.deps.db
              .selectFrom('pods as p')
              .innerJoin('hosts as h', 'h.id', 'p.host_id')
              .select(['h.engine', 'p.status'])
              .where('p.id', '=', podId)
              .executeTakeFirstOrThrow();
            return row;
          };
          const row = await engineOf();
          expect(row.status).toBe('running');
          const info = await dockerClient(row.engine)
            .getContainer(containerNameOf(podId))
            .inspect();
          expect(info.State.Running).toBe(true);
          const meter = await runMeterOnce(b.deps);
          expect(meter.charged.get(owner.account.id)).toBeGreaterThan(0);
        } finally {
          if (child.exitCode === null) child.kill('SIGKILL');
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
      120_000,
    );

    it('a host that stops answering turns its Pods error, billed up to when it was last seen', async () => {
      const relay = await engineRelay(DOCKER2);
      await addHost(a.deps, { name: 'flaky', engine: relay.url, gpus: ['h100-80gb:0'] });
      const owner = await signUp(a.app, { name: 'Flaky Owner' });
      const created = await owner.request({
        method: 'POST',
        url: `/api/v1/accounts/${owner.account.id}/pods`,
        payload: { name: 'flaky', gpuType: 'h100-80gb', gpuCount: 1, templateId: 'hello-web' },
      });
      expect(created.statusCode).toBe(201);
      const podId = created.json().id as string;
      await waitForStatus(owner, owner.account.id, podId, 'running', 60_000);
      await superviseHosts(a.deps);
      await relay.cut();
      await superviseHosts(a.deps);
      const host = (await listHostDtos(a.deps)).find((h) => h.name === 'flaky');
      expect(host?.lastError).toBeTruthy();
      // Within the grace period nothing changes.
      expect((await waitForStatus(owner, owner.account.id, podId, 'running')).status).toBe(
        'running',
      );
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await superviseHosts(a.deps);
      const pod = await waitForStatus(owner, owner.account.id, podId, 'error');
      expect(pod.lastError).toContain('Host flaky has not answered since');
      expect(pod.stoppedAt).toBe(host?.lastSeenAt);
      const meter = await a.deps.db
        .selectFrom('pod_meters')
        .select('metered_until')
        .where('pod_id', '=', podId)
        .executeTakeFirst();
      expect(Date.parse(meter?.metered_until ?? '0')).toBeLessThanOrEqual(
        Date.parse(host?.lastSeenAt ?? ''),
      );
      // The container itself is on the engine behind the relay: remove it there.
      await dockerClient(DOCKER2).getContainer(containerNameOf(podId)).remove({ force: true });
      await dockerClient(DOCKER2).getVolume(volumeNameOf(podId)).remove();
    }, 120_000);
  });
}
