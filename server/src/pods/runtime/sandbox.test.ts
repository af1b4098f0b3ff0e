/**
 * The attacks of issue 16 against the local driver's sandbox, with real bubblewrap on the real
 * kernel: a probe Pod tries to read Gantry's data and secret, reach the host's loopback, see
 * other Pods, outlive its stop, and run code outside through interpreter hooks in its env.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TemplateRuntime } from './driver.js';
import { LocalDriver } from './local-driver.js';
import { POD_MAX_PROCESSES } from './sandbox.js';
import { fixtureTemplate, podRequest, podSpec, waitFor } from './test-helpers.js';

const FIXTURES = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const SECRET = `gantry-secret-${process.pid}-${Date.now()}-do-not-leak`;

/** The probe fixture as a template, declaring `env` as settable. */
function probeTemplate(env: string[] = []): TemplateRuntime {
  return {
    id: 'probe',
    command: [process.execPath, path.join(FIXTURES, 'probe.mjs')],
    ports: [8080],
    env,
  };
}

let dataDir: string;
let hostDir: string;
let driver: LocalDriver;

/** Asks the probe Pod something; answers its JSON. */
async function ask(podId: string, what: string): Promise<Record<string, unknown>> {
  const res = await podRequest(driver, podId, 8080, what);
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as Record<string, unknown>;
}

/** Host pids whose command line contains `marker`. */
async function hostProcessesWith(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await fs.readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) pids.push(Number(name));
  }
  return pids;
}

beforeAll(async () => {
  // The data dir sits inside a directory the Pod has mounted (the fixtures), the hardest case:
  // it must still be hidden. A Gantry-style data dir: the secret and a database.
  dataDir = await fs.mkdtemp(path.join(FIXTURES, '.data-'));
  await fs.writeFile(path.join(dataDir, 'secret'), `${SECRET}\n`, { mode: 0o600 });
  await fs.writeFile(path.join(dataDir, 'gantry.db'), `argon2-hashes ${SECRET}`, { mode: 0o644 });
  hostDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gantry-host-'));
  driver = new LocalDriver({ dataDir, graceMs: 2000, startTimeoutMs: 15_000 });
});

afterAll(async () => {
  await driver.shutdown();
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.rm(hostDir, { recursive: true, force: true });
});

describe('the local sandbox (bubblewrap)', () => {
  const started: string[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((id) => driver.terminate(id)));
  });

  async function startProbe(
    env: Record<string, string> = {},
    declared: string[] = [],
  ): Promise<string> {
    const spec = podSpec(probeTemplate(declared), { env });
    started.push(spec.podId);
    await driver.start(spec);
    return spec.podId;
  }

  it('is what this machine runs Pods in', () => {
    expect(driver.isolation).toEqual({ sandboxed: true, singleInstance: true, userEnv: true });
  });

  it('cannot read the data directory, the secret or the host: only its work dir is writable', async () => {
    const pod = await startProbe();
    for (const file of ['secret', 'gantry.db']) {
      expect(await ask(pod, `/read?path=${path.join(dataDir, file)}`)).toMatchObject({ ok: false });
    }
    // The data dir is an empty tmpfs where it would be; its Pod folders are not there.
    expect(await ask(pod, `/list?path=${dataDir}`)).toEqual({ ok: true, names: [] });
    expect(
      await ask(pod, `/read?path=${path.join(dataDir, 'pods', pod, 'output.log')}`),
    ).toMatchObject({ ok: false });
    // Host files stay on the host: /etc/passwd is the Pod's own, the shadow file is not there.
    const passwd = (await ask(pod, '/read?path=/etc/passwd')) as { text: string };
    expect(passwd.text).not.toContain(readFileSync('/etc/passwd', 'utf8').split('\n')[0]);
    expect(passwd.text).toMatch(/^pod:x:/);
    expect(await ask(pod, '/read?path=/etc/shadow')).toMatchObject({ ok: false });
    expect(await ask(pod, `/list?path=${os.homedir()}`)).toMatchObject({ ok: false });
    // Writes: the work dir yes; the system, the template's files and the host's /tmp no.
    expect(await ask(pod, '/write?path=/workspace/notes.txt')).toEqual({ ok: true });
    expect(await ask(pod, `/write?path=${path.join(FIXTURES, 'planted.mjs')}`)).toMatchObject({
      ok: false,
    });
    expect(await ask(pod, '/write?path=/usr/bin/planted')).toMatchObject({ ok: false });
    expect(await ask(pod, `/write?path=${path.join(hostDir, 'planted')}`)).toMatchObject({
      ok: false,
    });
    await expect(fs.stat(path.join(hostDir, 'planted'))).rejects.toMatchObject({ code: 'ENOENT' });
    const me = (await ask(pod, '/whoami')) as {
      uid: number;
      groups: number[];
      cwd: string;
      maxProcesses: string;
    };
    expect(me.cwd).toBe('/workspace');
    if (process.getuid?.() === 0) {
      // Its own uid, so the per-uid process cap is its own.
      expect(me.maxProcesses).toBe(String(POD_MAX_PROCESSES));
      // Gantry is root; the Pod is not, and holds no group of Gantry's.
      expect(me.uid).not.toBe(0);
      expect(me.groups).not.toContain(0);
      expect((await fs.stat(path.join(dataDir, 'pods', pod, 'work'))).uid).toBe(me.uid);
    }
  });

  it("cannot connect to a TCP port on the host's 127.0.0.1", async () => {
    const host = net.createServer((socket) => socket.end('host service\n'));
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const { port } = host.address() as net.AddressInfo;
    let accepted = 0;
    host.on('connection', () => {
      accepted += 1;
    });
    try {
      const pod = await startProbe();
      // The probe can connect at all: to its own port, on its own loopback.
      expect(await ask(pod, '/connect?port=8080')).toEqual({ ok: true });
      expect(await ask(pod, `/connect?port=${port}`)).toMatchObject({ ok: false });
      // PostgreSQL on the host's loopback is out of reach too.
      expect(await ask(pod, '/connect?port=5432')).toMatchObject({ ok: false });
      expect(accepted).toBe(0);
    } finally {
      host.close();
    }
  });

  it("cannot see another Pod's processes or environment, nor Gantry's", async () => {
    const token = `hf_${process.pid}${Date.now()}victim`;
    const victim = await startProbe({ HF_TOKEN: token }, ['HF_TOKEN']);
    const victimPid = (await driver.status(victim)).pid ?? 0;
    const attacker = await startProbe();
    const { procs } = (await ask(attacker, '/procs')) as {
      procs: Array<{ pid: number; cmdline: { text?: string }; environ: { text?: string } }>;
    };
    // Its own PID namespace: the sandbox's reaper (1), its init, the probe — nothing else.
    expect(procs).toHaveLength(3);
    expect(procs.map((p) => p.pid)).toEqual(expect.arrayContaining([1, 2]));
    expect(procs.map((p) => p.cmdline.text ?? '').join('\n')).toMatch(
      /sandbox-init[\s\S]*probe\.mjs/,
    );
    const seen = JSON.stringify(procs);
    expect(seen).not.toContain(token);
    expect(seen).not.toContain('vitest');
    expect(seen).not.toContain(dataDir);
    expect(await ask(attacker, `/read?path=/proc/${victimPid}/environ`)).toMatchObject({
      ok: false,
    });
    // The victim really has it: the token is in its own environment.
    const own = (await ask(victim, '/procs')) as { procs: Array<{ environ: { text?: string } }> };
    expect(JSON.stringify(own.procs)).toContain(token);
  });

  it('a process it forks into the background is gone after Stop', async () => {
    const marker = `gantry-bg-${process.pid}-${Date.now()}`;
    const pod = await startProbe();
    expect(await ask(pod, `/fork?marker=${marker}`)).toMatchObject({ pid: expect.any(Number) });
    // The background process runs (the host sees it), detached in its own session.
    await waitFor(async () => (await hostProcessesWith(marker)).length === 1);
    await driver.stop(pod);
    expect(await hostProcessesWith(marker)).toEqual([]);
    expect((await driver.status(pod)).state).toBe('exited');
  });

  it("cannot make Gantry connect to a host socket by replacing its forwarder's socket", async () => {
    const target = path.join(hostDir, 'host-service.sock');
    let accepted = 0;
    const host = net.createServer((socket) => {
      accepted += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => host.listen(target, resolve));
    const quick = new LocalDriver({ dataDir, graceMs: 1000, startTimeoutMs: 4000 });
    const spec = podSpec(
      { ...fixtureTemplate('hijack'), env: ['HIJACK_TARGET'] },
      { env: { HIJACK_TARGET: target } },
    );
    try {
      // Either Gantry claimed the real socket first (the Pod runs) or it found the symlink and
      // refused it (the start times out): never does it follow the link.
      const outcome = await quick.start(spec).then(
        () => 'running',
        (err: { code?: string }) => err.code,
      );
      expect(['running', 'start_timeout']).toContain(outcome);
      if (outcome === 'running') {
        expect((await podRequest(quick, spec.podId, 8080, '/')).body).toBe('hijack');
      }
      expect(accepted).toBe(0);
    } finally {
      host.close();
      await quick.terminate(spec.podId);
      await quick.shutdown();
    }
  });

  it('NODE_OPTIONS, even when the template declares it, runs code only inside the Pod', async () => {
    // A payload file on the host: not in the Pod's filesystem, so it cannot be loaded.
    const payload = path.join(hostDir, 'payload.cjs');
    const pwned = path.join(hostDir, 'pwned');
    await fs.writeFile(payload, `require('fs').writeFileSync(${JSON.stringify(pwned)}, 'x');\n`);
    const spec = podSpec(probeTemplate(['NODE_OPTIONS']), {
      env: { NODE_OPTIONS: `--require ${payload}` },
    });
    started.push(spec.podId);
    await expect(driver.start(spec)).rejects.toMatchObject({ code: 'exited_during_start' });
    await expect(fs.stat(pwned)).rejects.toMatchObject({ code: 'ENOENT' });

    // Code given inline does run — as the Pod, in the Pod: it finds no secret and no host path.
    const code = [
      "const fs = require('node:fs');",
      'const out = [];',
      `for (const p of [${JSON.stringify(path.join(dataDir, 'secret'))}, '/etc/shadow']) {`,
      "  try { out.push('read ' + fs.readFileSync(p, 'utf8')); } catch (e) { out.push('no ' + e.code); }",
      '}',
      `try { fs.writeFileSync(${JSON.stringify(pwned)}, 'x'); out.push('wrote'); } catch (e) { out.push('no ' + e.code); }`,
      "console.log('payload ran as uid ' + process.getuid() + ': ' + out.join(', '));",
    ].join('\n');
    const spec2 = podSpec(probeTemplate(['NODE_OPTIONS']), {
      env: {
        NODE_OPTIONS: `--import=data:text/javascript;base64,${Buffer.from(`import { createRequire } from 'node:module'; const require = createRequire('/workspace/'); ${code}`).toString('base64')}`,
      },
    });
    started.push(spec2.podId);
    await driver.start(spec2);
    await waitFor(async () => (await driver.logs(spec2.podId)).includes('payload ran'));
    const logs = await driver.logs(spec2.podId);
    expect(logs).toMatch(/payload ran as uid \d+: no ENOENT, no ENOENT, no ENOENT/);
    expect(logs).not.toContain(SECRET);
    await expect(fs.stat(pwned)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('OPENSSL_CONF pointing at host files shows none of them', async () => {
    const hostPasswd = readFileSync('/etc/passwd', 'utf8').split('\n')[0] ?? 'root:';
    for (const conf of ['/etc/passwd', path.join(dataDir, 'secret')]) {
      const spec = podSpec(probeTemplate(['OPENSSL_CONF']), { env: { OPENSSL_CONF: conf } });
      started.push(spec.podId);
      await driver.start(spec).catch(() => {});
      const logs = await driver.logs(spec.podId);
      expect(logs).not.toContain(hostPasswd);
      expect(logs).not.toContain(SECRET);
    }
  });

  it('refuses interpreter hooks in env that the template does not declare', async () => {
    const hooks: Array<Record<string, string>> = [
      { PYTHONWARNINGS: 'all:0:antigravity.x:0:0', BROWSER: `/bin/sh -c 'touch ${hostDir}/x'` },
      { OPENSSL_CONF: '/etc/passwd' },
      { LD_PRELOAD: `${hostDir}/evil.so` },
      { NODE_OPTIONS: `--require ${hostDir}/payload.cjs` },
      { PERL5OPT: '-Mwarnings;system("id")' },
      { GCONV_PATH: hostDir },
      { JAVA_TOOL_OPTIONS: `-javaagent:${hostDir}/x.jar` },
    ];
    for (const env of hooks) {
      await expect(driver.start(podSpec(probeTemplate(), { env }))).rejects.toMatchObject({
        code: 'invalid_spec',
        message: expect.stringContaining(Object.keys(env)[0] ?? ''),
      });
    }
    await expect(fs.stat(path.join(hostDir, 'x'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.runIf(process.getuid?.() === 0)(
    'run by a user other than root, Pods get a user namespace: same isolation, no host files',
    async () => {
      const host = net.createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
      const { port } = host.address() as net.AddressInfo;
      const userDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gantry-user-mode-'));
      await fs.chown(userDir, 65534, 65534);
      try {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', path.join(FIXTURES, 'as-user.ts'), userDir, String(port)],
          {
            cwd: fileURLToPath(new URL('../../..', import.meta.url)),
            uid: 65534,
            gid: 65534,
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: userDir },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
        });
        child.stderr.on('data', (c: Buffer) => {
          err += c.toString();
        });
        const code = await new Promise((resolve) => child.once('exit', resolve));
        expect(code, err).toBe(0);
        const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
        expect(result).toMatchObject({
          uid: 65534,
          isolation: { sandboxed: true, userEnv: true },
          // The Pod keeps the user's uid (a user namespace maps it), in its own namespaces.
          whoami: { uid: 65534, hostname: 'pod', cwd: '/workspace' },
          secret: { ok: false },
          host: { ok: false },
          procs: 3,
        });
      } finally {
        host.close();
        await fs.rm(userDir, { recursive: true, force: true });
      }
    },
  );
});
