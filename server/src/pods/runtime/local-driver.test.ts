import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { helloWebTemplate } from './builtin-templates.js';
import type { ExitInfo } from './driver.js';
import { LocalDriver, type LocalDriverOptions } from './local-driver.js';
import {
  fixtureTemplate,
  podRequest,
  podSpec,
  processExists,
  rawGet,
  waitFor,
} from './test-helpers.js';

let dataDir: string;
let drivers: LocalDriver[] = [];
let exits: Array<{ podId: string } & ExitInfo> = [];

function makeDriver(opts: Partial<LocalDriverOptions> = {}): LocalDriver {
  const driver = new LocalDriver({ dataDir, graceMs: 2000, startTimeoutMs: 10_000, ...opts });
  driver.setEvents({ onExit: (podId, info) => exits.push({ podId, ...info }) });
  drivers.push(driver);
  return driver;
}

beforeEach(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gantry-runtime-'));
  exits = [];
});

afterEach(async () => {
  await Promise.all(drivers.map((d) => d.shutdown()));
  drivers = [];
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('LocalDriver', () => {
  it('runs in a sandbox on this machine (bubblewrap)', () => {
    expect(makeDriver().isolation).toEqual({
      sandboxed: true,
      singleInstance: true,
      userEnv: true,
    });
  });

  it('starts hello-web in its own network namespace and reports it running', async () => {
    const driver = makeDriver();
    const spec = podSpec(helloWebTemplate(), { name: 'Alpha <pod>' });
    await driver.provision(spec);
    await driver.start(spec);

    const status = await driver.status(spec.podId);
    expect(status.state).toBe('running');
    expect(status.pid).toBeTypeOf('number');
    expect(status.startedAt).toBeInstanceOf(Date);
    const [endpoint, ...others] = await driver.endpoints(spec.podId);
    expect(others).toEqual([]);
    // The Pod listens on its own loopback, on the template's port itself.
    expect(endpoint).toEqual({ port: 8080, host: '127.0.0.1', hostPort: 8080 });

    const health = await podRequest(driver, spec.podId, 8080, '/healthz');
    expect(JSON.parse(health.body)).toEqual({ ok: true, podId: spec.podId, name: 'Alpha <pod>' });
    await waitFor(async () => (await driver.logs(spec.podId)).includes('listening'));
  });

  it('start is idempotent and concurrent starts share one process', async () => {
    const driver = makeDriver();
    const spec = podSpec(helloWebTemplate());
    await Promise.all([driver.start(spec), driver.start(spec), driver.start(spec)]);
    const { pid } = await driver.status(spec.podId);
    await driver.start(spec);
    expect((await driver.status(spec.podId)).pid).toBe(pid);
  });

  it('stop: SIGTERM ends the process, closes the port and fires onExit expected:true', async () => {
    const driver = makeDriver();
    const spec = podSpec(helloWebTemplate());
    await driver.start(spec);
    const { pid } = await driver.status(spec.podId);

    await driver.stop(spec.podId);

    expect(processExists(pid ?? 0)).toBe(false);
    await expect(driver.openStream(spec.podId, 8080)).rejects.toMatchObject({
      code: 'not_running',
    });
    expect(exits).toEqual([{ podId: spec.podId, code: 0, signal: null, expected: true }]);
    expect(await driver.status(spec.podId)).toMatchObject({ state: 'exited', exitCode: 0 });
    expect(await driver.endpoints(spec.podId)).toEqual([]);
    await driver.stop(spec.podId); // idempotent
    expect(exits).toHaveLength(1);
  });

  it('a process killed behind its back fires onExit expected:false and status error', async () => {
    const driver = makeDriver();
    const spec = podSpec(helloWebTemplate());
    await driver.start(spec);
    const { pid } = await driver.status(spec.podId);

    process.kill(pid ?? 0, 'SIGKILL');
    await waitFor(() => exits.length === 1);

    expect(exits[0]).toEqual({ podId: spec.podId, code: null, signal: 'SIGKILL', expected: false });
    expect(await driver.status(spec.podId)).toMatchObject({ state: 'error', signal: 'SIGKILL' });
    expect(await driver.endpoints(spec.podId)).toEqual([]);
  });

  it('a Pod that was stopped can be started again', async () => {
    const driver = makeDriver();
    const spec = podSpec(helloWebTemplate());
    await driver.start(spec);
    const first = (await driver.status(spec.podId)).pid;
    await driver.stop(spec.podId);
    await driver.start(spec);
    const status = await driver.status(spec.podId);
    expect(status.state).toBe('running');
    expect(status.pid).not.toBe(first);
  });

  it('stop escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const driver = makeDriver({ graceMs: 300 });
    const spec = podSpec(fixtureTemplate('stubborn'));
    await driver.start(spec);
    await waitFor(async () => (await driver.status(spec.podId)).state === 'running');

    const t0 = Date.now();
    await driver.stop(spec.podId);
    const elapsed = Date.now() - t0;

    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(exits).toEqual([{ podId: spec.podId, code: null, signal: 'SIGKILL', expected: true }]);
    expect(await driver.logs(spec.podId)).toContain('fixture: ignoring SIGTERM');
  });

  it('start times out, kills the process and rejects when the port never opens', async () => {
    const driver = makeDriver({ startTimeoutMs: 400 });
    const spec = podSpec(fixtureTemplate('noport'));
    await expect(driver.start(spec)).rejects.toMatchObject({ code: 'start_timeout' });
    const status = await driver.status(spec.podId);
    expect(status.state).toBe('error');
    expect(status.message).toMatch(/within 400 ms/);
    expect(processExists(status.pid ?? 0)).toBe(false);
  });

  it('start rejects when the process exits before its port opens', async () => {
    const driver = makeDriver();
    const spec = podSpec(fixtureTemplate('bogus-mode'));
    await expect(driver.start(spec)).rejects.toMatchObject({ code: 'exited_during_start' });
    expect(await driver.status(spec.podId)).toMatchObject({ state: 'error', exitCode: 2 });
    expect(await driver.logs(spec.podId)).toContain('unknown mode');
  });

  it('start rejects with spawn_failed for a missing executable', async () => {
    const driver = makeDriver();
    const spec = podSpec({ id: 'missing', command: ['/nonexistent/gantry-binary'], ports: [8080] });
    await expect(driver.start(spec)).rejects.toMatchObject({ code: 'spawn_failed' });
    expect((await driver.status(spec.podId)).state).toBe('error');
  });

  it('stop during start aborts the start', async () => {
    const driver = makeDriver({ startTimeoutMs: 10_000 });
    const spec = podSpec(fixtureTemplate('noport'));
    const starting = driver.start(spec);
    const outcome = starting.catch((err: unknown) => err);
    await waitFor(async () => (await driver.status(spec.podId)).pid !== undefined);
    expect((await driver.status(spec.podId)).state).toBe('starting');
    await driver.stop(spec.podId);
    expect(await outcome).toMatchObject({ code: 'aborted' });
    expect((await driver.status(spec.podId)).state).toBe('exited');
  });

  it('stop before the process is spawned cancels the start', async () => {
    const driver = makeDriver();
    const spec = podSpec(helloWebTemplate());
    const outcome = driver.start(spec).catch((err: unknown) => err);
    expect((await driver.status(spec.podId)).state).toBe('starting');
    await driver.stop(spec.podId);
    expect(await outcome).toMatchObject({ code: 'aborted' });
    expect((await driver.status(spec.podId)).state).toBe('absent');
    expect(exits).toEqual([]);
  });

  it('reaches every exposed port (PORT_<n>) through openStream, and only those', async () => {
    const driver = makeDriver();
    const spec = podSpec(fixtureTemplate('multi', [8080, 9000]));
    await driver.start(spec);
    const endpoints = await driver.endpoints(spec.podId);
    expect(endpoints.map((e) => e.port)).toEqual([8080, 9000]);
    for (const e of endpoints)
      expect((await podRequest(driver, spec.podId, e.port, '/')).body).toBe('multi');
    await expect(driver.openStream(spec.podId, 9001)).rejects.toMatchObject({
      code: 'not_running',
    });
  });

  it('gives the Pod only allowlisted parent env plus its own vars', async () => {
    process.env.GANTRY_SECRET = 'top-secret-value';
    process.env.DATABASE_URL = 'postgres://user:pw@db/gantry';
    try {
      const driver = makeDriver();
      const template = { ...fixtureTemplate('env', [8080, 8081]), env: ['GREETING'] };
      const spec = podSpec(template, { env: { GREETING: 'hi there' } });
      await driver.start(spec);
      const line = (await driver.logs(spec.podId)).split('\n')[0] ?? '';
      const env = JSON.parse(line) as Record<string, string>;
      const [a, b] = await driver.endpoints(spec.podId);

      expect(line).not.toContain('top-secret-value');
      expect(env.GANTRY_SECRET).toBeUndefined();
      expect(env.DATABASE_URL).toBeUndefined();
      expect(env.NODE_OPTIONS).toBeUndefined();
      expect(env).toMatchObject({
        GREETING: 'hi there',
        POD_ID: spec.podId,
        POD_NAME: spec.name,
        GPU_TYPE: 'a100',
        GPU_COUNT: '1',
        HOST: '127.0.0.1',
        PORT: String(a?.hostPort),
        PORT_8080: '8080',
        PORT_8081: String(b?.hostPort),
        HOME: '/workspace',
        TMPDIR: '/tmp',
      });
    } finally {
      delete process.env.GANTRY_SECRET;
      delete process.env.DATABASE_URL;
    }
  });

  it('rejects env vars the template does not declare, reserved or malformed ones', async () => {
    const driver = makeDriver();
    const template = { ...helloWebTemplate(), env: ['MESSAGE', 'PORT'] };
    const cases: Array<Record<string, string>> = [
      { LD_PRELOAD: '/tmp/x.so' },
      { NODE_OPTIONS: '--require /tmp/x' },
      { MESSAGE: 'hi', GREETING: 'undeclared' },
      { PORT: '1' },
      { 'BAD-NAME': 'x' },
    ];
    for (const env of cases) {
      await expect(driver.start(podSpec(template, { env }))).rejects.toMatchObject({
        code: 'invalid_spec',
      });
    }
  });

  it('without a sandbox: says why, runs Pods on host loopback ports and refuses user env', async () => {
    const driver = makeDriver({ bwrap: path.join(dataDir, 'no-bwrap-here') });
    expect(driver.isolation).toMatchObject({ sandboxed: false, singleInstance: true });
    expect(driver.isolation?.reason).toMatch(/bubblewrap is not installed/);
    const template = { ...helloWebTemplate(), env: ['MESSAGE'] };
    await expect(driver.start(podSpec(template, { env: { MESSAGE: 'hi' } }))).rejects.toMatchObject(
      { code: 'invalid_spec', message: /without a sandbox/ },
    );
    const spec = podSpec(helloWebTemplate());
    await driver.start(spec);
    const [endpoint] = await driver.endpoints(spec.podId);
    expect(endpoint?.hostPort).not.toBe(8080);
    expect((await rawGet(endpoint?.hostPort ?? 0, '/healthz')).status).toBe(200);
    expect((await podRequest(driver, spec.podId, 8080, '/healthz')).status).toBe(200);
  });

  it('rejects pod ids that are not safe directory names', async () => {
    const driver = makeDriver();
    await expect(
      driver.provision(podSpec(helloWebTemplate(), { podId: '../escape' })),
    ).rejects.toMatchObject({ code: 'invalid_spec' });
    await expect(driver.terminate('../../etc')).rejects.toMatchObject({ code: 'invalid_spec' });
  });

  it('keeps logs bounded in memory and on disk', async () => {
    const driver = makeDriver({ logBufferBytes: 64 * 1024, logFileBytes: 256 * 1024 });
    const spec = podSpec(
      { ...fixtureTemplate('chatty'), env: ['FIXTURE_BYTES'] },
      { env: { FIXTURE_BYTES: String(3 * 1024 * 1024) } },
    );
    await driver.start(spec);
    await waitFor(async () => (await driver.logs(spec.podId)).includes('fixture: END'));

    const logs = await driver.logs(spec.podId);
    expect(Buffer.byteLength(logs)).toBeLessThanOrEqual(64 * 1024);
    expect(logs.endsWith('fixture: END\n')).toBe(true);
    expect(await driver.logs(spec.podId, { tailBytes: 13 })).toBe('fixture: END\n');

    await driver.stop(spec.podId);
    const dir = path.join(dataDir, 'pods', spec.podId);
    const files = await fs.readdir(dir);
    let total = 0;
    for (const f of files.filter((f) => f.startsWith('output.log')))
      total += (await fs.stat(path.join(dir, f))).size;
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(256 * 1024);
    // A fresh driver (Gantry restarted) serves logs from disk.
    const after = makeDriver({ logFileBytes: 256 * 1024 });
    expect((await after.logs(spec.podId)).endsWith('fixture: END\n')).toBe(true);
  });

  it('terminate stops the process and removes its files; idempotent', async () => {
    const driver = makeDriver();
    const spec = podSpec(helloWebTemplate());
    await driver.start(spec);
    const { pid } = await driver.status(spec.podId);
    const dir = path.join(dataDir, 'pods', spec.podId);
    await waitFor(
      async () => (await fs.stat(path.join(dir, 'output.log')).catch(() => null)) !== null,
    );

    await driver.terminate(spec.podId);

    expect(processExists(pid ?? 0)).toBe(false);
    await expect(fs.stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await driver.status(spec.podId)).state).toBe('absent');
    expect(await driver.logs(spec.podId)).toBe('');
    await driver.terminate(spec.podId);
    expect(exits.filter((e) => e.podId === spec.podId)).toHaveLength(1);
  });

  it.each(['exit', 'sigkill'])('leaves no orphan when Gantry goes away (%s)', async (how) => {
    const script = fileURLToPath(new URL('./__fixtures__/orphan-parent.ts', import.meta.url));
    const parent = spawn(process.execPath, ['--import', 'tsx', script, dataDir, how], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    parent.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    await new Promise((resolve) => parent.once('exit', resolve));
    const { pid } = JSON.parse(out) as { pid: number };
    expect(pid).toBeGreaterThan(0);
    await waitFor(() => !processExists(pid), 5000);
  });

  it('shutdown stops every Pod and refuses new starts', async () => {
    const driver = makeDriver();
    const specs = [podSpec(helloWebTemplate()), podSpec(helloWebTemplate())];
    await Promise.all(specs.map((s) => driver.start(s)));
    const pids = await Promise.all(specs.map(async (s) => (await driver.status(s.podId)).pid ?? 0));

    await driver.shutdown();

    for (const pid of pids) expect(processExists(pid)).toBe(false);
    expect(exits.map((e) => e.expected)).toEqual([true, true]);
    await expect(driver.start(podSpec(helloWebTemplate()))).rejects.toMatchObject({
      code: 'shutting_down',
    });
  });
});
