import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloWebTemplate } from './builtin-templates.js';
import { checkContainerEnv, containerNameOf, DockerDriver, volumeNameOf } from './docker-driver.js';
import {
  DOCKER1,
  dockerAvailable,
  dockerClient,
  getThroughStream,
  hostProcessesWith,
  MapHostDirectory,
} from './docker-test-env.js';
import type { PodSpec, TemplateRuntime } from './driver.js';
import { waitFor } from './test-helpers.js';

const available = dockerAvailable(1);
const ATTACKER = fileURLToPath(new URL('./__fixtures__/attacker.mjs', import.meta.url));

/** A template serving the attacker fixture, in an image built like the built-ins'. */
function attackerTemplate(): TemplateRuntime {
  return {
    id: 'attacker',
    command: [process.execPath, ATTACKER],
    ports: [8080],
    build: { node: true, files: { '/app/attacker.mjs': ATTACKER } },
    containerCommand: ['/usr/local/bin/node', '/app/attacker.mjs'],
  };
}

const run = `t${process.pid}-${Date.now().toString(36)}`;
let counter = 0;
const hosts = new MapHostDirectory([{ id: 'h1', engine: DOCKER1 }]);
let driver: DockerDriver;
const created: string[] = [];

function spec(template: TemplateRuntime, overrides: Partial<PodSpec> = {}): PodSpec {
  counter += 1;
  const podId = `${run}-${counter}`;
  hosts.place(podId, 'h1');
  created.push(podId);
  return {
    podId,
    name: `pod ${counter}`,
    template,
    env: {},
    gpuType: 'rtx-4090',
    gpuCount: 1,
    accountId: 'acct-test',
    placement: { hostId: 'h1', gpuIndices: [counter % 4] },
    limits: { vcpus: 1, memoryMb: 256 },
    ...overrides,
  };
}

async function ask<T>(podId: string, pathname: string): Promise<T> {
  const res = await getThroughStream(driver, podId, 8080, pathname);
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as T;
}

describe.skipIf(!available)('DockerDriver (real engine)', () => {
  beforeAll(() => {
    driver = new DockerDriver({ hosts, stopTimeoutSeconds: 2, startTimeoutMs: 30_000 });
  });
  afterAll(async () => {
    for (const podId of created) await driver.terminate(podId).catch(() => {});
    await driver?.shutdown();
  });

  it('runs hello-web from a locally built image, with the isolation settings, reached in its own namespace', async () => {
    const pod = spec(helloWebTemplate(), { name: 'Alpha <pod>' });
    await driver.provision(pod);
    await driver.start(pod);
    expect((await driver.status(pod.podId)).state).toBe('running');

    const health = await getThroughStream(driver, pod.podId, 8080, '/healthz');
    expect(JSON.parse(health.body)).toEqual({ ok: true, podId: pod.podId, name: 'Alpha <pod>' });

    const info = await dockerClient(DOCKER1).getContainer(containerNameOf(pod.podId)).inspect();
    expect(info.Config.Labels).toMatchObject({
      'gantry.pod': pod.podId,
      'gantry.account': 'acct-test',
    });
    expect(info.Config.User).toBe('1000:1000');
    const hc = info.HostConfig;
    expect(hc.NetworkMode).toBe('none');
    expect(hc.Privileged).toBe(false);
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.SecurityOpt).toEqual(['no-new-privileges']);
    expect(hc.PidsLimit).toBeGreaterThan(0);
    expect(hc.NanoCpus).toBe(1e9);
    expect(hc.Memory).toBe(256 * 1024 * 1024);
    expect(info.Mounts).toEqual([
      expect.objectContaining({ Name: volumeNameOf(pod.podId), Destination: '/workspace' }),
    ]);
    // No NVIDIA runtime here: the request the scheduler made is on the container, not sent.
    expect(JSON.parse(info.Config.Labels['gantry.device-request'] ?? '{}')).toEqual({
      Driver: 'nvidia',
      DeviceIDs: [String(pod.placement?.gpuIndices[0])],
      Capabilities: [['gpu']],
    });
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual(['none']);
    await waitFor(async () => (await driver.logs(pod.podId)).includes('listening'));
  });

  it('keeps /workspace over stop and start, and removes container and volume on terminate', async () => {
    const pod = spec(attackerTemplate());
    await driver.start(pod);
    const docker = dockerClient(DOCKER1);
    expect(await ask(pod.podId, '/write?path=/workspace/kept&text=yes')).toEqual({ ok: true });
    // The image's root filesystem is not the Pod user's to change.
    expect(await ask(pod.podId, '/write?path=/app/x&text=no')).toEqual({
      ok: false,
      error: 'EACCES',
    });
    await driver.stop(pod.podId);
    expect((await driver.status(pod.podId)).state).toBe('exited');
    await driver.start(pod);
    expect(await ask(pod.podId, '/read?path=/workspace/kept')).toEqual({ ok: true, text: 'yes' });
    await driver.terminate(pod.podId);
    expect((await driver.status(pod.podId)).state).toBe('absent');
    await expect(docker.getVolume(volumeNameOf(pod.podId)).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('a Pod cannot read the data directory, reach the host loopback, or see other Pods', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gantry-data-'));
    fs.writeFileSync(path.join(dataDir, 'secret'), 'top-secret-value\n');
    const hostServer = net.createServer((socket) => socket.end('host service\n'));
    await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve));
    const hostPort = (hostServer.address() as net.AddressInfo).port;
    try {
      const victim = spec(attackerTemplate(), { env: { HF_TOKEN: `victim-token-${run}` } });
      const attacker = spec(attackerTemplate());
      await Promise.all([driver.start(victim), driver.start(attacker)]);

      expect(await ask(attacker.podId, `/read?path=${path.join(dataDir, 'secret')}`)).toEqual({
        ok: false,
        error: 'ENOENT',
      });
      expect(await ask(attacker.podId, '/whoami')).toEqual({ uid: 1000, gid: 1000 });
      // The host's loopback is not the Pod's: the test's port and PostgreSQL are unreachable.
      for (const port of [hostPort, 5432]) {
        const answer = await ask<{ ok: boolean }>(
          attacker.podId,
          `/connect?host=127.0.0.1&port=${port}`,
        );
        expect(answer.ok).toBe(false);
      }
      const procs = await ask<Array<{ pid: number; cmdline: string; environ: string }>>(
        attacker.podId,
        '/procs',
      );
      // Its own init and node only; nothing of the victim's.
      expect(procs.length).toBeLessThanOrEqual(3);
      expect(JSON.stringify(procs)).not.toContain('victim-token');
      // The victim does have it (the check above could otherwise not fail).
      const own = await ask<Array<{ environ: string }>>(victim.podId, '/procs');
      expect(JSON.stringify(own)).toContain(`victim-token-${run}`);
    } finally {
      hostServer.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a process the Pod forks into the background is gone after stop', async () => {
    const pod = spec(attackerTemplate());
    await driver.start(pod);
    const tag = `${run}-bg`;
    await ask(pod.podId, `/fork?tag=${tag}`);
    await waitFor(async () => hostProcessesWith(`fork-${tag}`).length > 0);
    await driver.stop(pod.podId);
    expect(hostProcessesWith(`fork-${tag}`)).toEqual([]);
  });

  it('interpreter hooks in env run only inside the Pod and show no host file', async () => {
    const marker = path.join(os.tmpdir(), `gantry-pwned-${run}`);
    const hook = path.join(os.tmpdir(), `gantry-hook-${run}.cjs`);
    fs.writeFileSync(hook, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'pwned')`);
    const hostFirstLine = fs.readFileSync('/etc/passwd', 'utf8').split('\n')[0] ?? '';
    try {
      const hooks = {
        PYTHONWARNINGS: 'all:0:antigravity.x:0:0',
        BROWSER: `/bin/sh -c 'touch ${marker}'`,
        OPENSSL_CONF: '/etc/passwd',
        LD_PRELOAD: hook,
        PERL5OPT: `-Mstrict;system('touch ${marker}')`,
        GCONV_PATH: os.tmpdir(),
        JAVA_TOOL_OPTIONS: `-javaagent:${hook}`,
      };
      expect(checkContainerEnv(hooks)).toEqual([]);
      const pod = spec(helloWebTemplate(), { env: hooks });
      // Node may refuse to start (OPENSSL_CONF names no OpenSSL configuration): its own affair.
      await driver.start(pod).catch((error: unknown) => {
        expect(error).toMatchObject({ code: 'exited_during_start' });
      });
      const node = spec(helloWebTemplate(), { env: { NODE_OPTIONS: `--require ${hook}` } });
      // Node refuses to start without the hook file, which is not in the Pod.
      await expect(driver.start(node)).rejects.toMatchObject({ code: 'exited_during_start' });
      const logs = (await driver.logs(pod.podId)) + (await driver.logs(node.podId));
      expect(logs).toContain('Cannot find module');
      expect(logs).not.toContain(hostFirstLine);
      expect(fs.existsSync(marker)).toBe(false);
    } finally {
      fs.rmSync(hook, { force: true });
      fs.rmSync(marker, { force: true });
    }
  });

  it('an image that is not on the engine is image_missing, and nothing is created', async () => {
    const pod = spec({
      id: 'missing',
      command: ['x'],
      ports: [8080],
      image: `gantry-test-missing-${run}:none`,
    });
    await expect(driver.start(pod)).rejects.toMatchObject({ code: 'image_missing' });
    expect((await driver.status(pod.podId)).state).toBe('absent');
  });

  it('an engine that does not answer is engine_unavailable', async () => {
    const down = new MapHostDirectory([{ id: 'down', engine: 'unix:///nonexistent/docker.sock' }]);
    down.place('pod-down', 'down');
    const other = new DockerDriver({ hosts: down });
    await expect(other.status('pod-down')).rejects.toMatchObject({ code: 'engine_unavailable' });
    await other.shutdown();
  });
});

describe('checkContainerEnv', () => {
  it('leaves the env to the user but for the names Gantry sets', () => {
    expect(checkContainerEnv({ LD_PRELOAD: 'x', NODE_OPTIONS: 'y', MY_VAR: 'z' })).toEqual([]);
    expect(checkContainerEnv({ POD_ID: 'x', PORT_8080: '1', GANTRY_X: '', 'a-b': '' })).toEqual([
      'POD_ID is set by Gantry',
      'PORT_8080 is set by Gantry',
      'GANTRY_X is set by Gantry',
      '"a-b" is not a valid variable name',
    ]);
  });
});

// The engine is shared: nothing of this run may be left behind.
afterAll(() => {
  if (!available) return;
  const left = execFileSync(
    'docker',
    ['-H', DOCKER1, 'ps', '-a', '--filter', `name=gantry-pod-${run}`, '--format', '{{.Names}}'],
    { encoding: 'utf8' },
  ).trim();
  expect(left).toBe('');
});
