/**
 * Pods benchmark on the docker driver (issue 16), against the Docker Engine on
 * /var/run/docker.sock (root: Connect enters the Pod's network namespace):
 *   1. create → running and stop latency (p50/p99) over BENCH_PODS (default 20) Pods of the
 *      built-in hello-web, one after the other (create: POST until the record says running, the
 *      app answering in its namespace; stop: POST until the engine says the container stopped);
 *   2. Connect overhead, as same-run ratios against a client talking to the same app directly
 *      inside the Pod's network namespace (the same client program run under
 *      `nsenter --net=/proc/<pid>/ns/net`): small responses (req/s, autocannon, BENCH_CONNECTIONS
 *      connections, BENCH_SECONDS each) and a 100 MB download (MB/s), BENCH_ROUNDS rounds,
 *      alternating direct and proxied; the ratio is the median of the paired rounds.
 * Gantry runs in this process on a SQLite database in a temporary folder.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { loadConfig } from '../../server/src/config.js';
import { addHost } from '../../server/src/hosts/hosts.service.js';
import { DOCKER_API_VERSION } from '../../server/src/pods/runtime/docker-driver.js';
import { allocateFreePorts } from '../../server/src/pods/runtime/net-util.js';
import { createGantry } from '../../server/src/server.js';

const run = promisify(execFile);
const PODS = Number(process.env.BENCH_PODS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const CLIENT = join(import.meta.dirname, 'pods-client.mjs');
const APP = join(import.meta.dirname, 'pod-app.mjs');
const docker = new Docker({ socketPath: '/var/run/docker.sock', version: DOCKER_API_VERSION });

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const median = (values: number[]) => quantile(values, 0.5);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function client(args: string[], netnsPid?: number): Promise<Record<string, number>> {
  const argv = netnsPid
    ? ['nsenter', [`--net=/proc/${netnsPid}/ns/net`, '--', process.execPath, CLIENT, ...args]]
    : [process.execPath, [CLIENT, ...args]];
  const { stdout } = await run(argv[0] as string, argv[1] as string[], {
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}

async function main() {
  const [port] = await allocateFreePorts(1, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-bench-pods-'));
  const config = loadConfig({
    GANTRY_DATA_DIR: dataDir,
    GANTRY_SECRET: 'bench-secret-bench-secret-bench-secret-01',
    GANTRY_PUBLIC_URL: base,
    GANTRY_RUNTIME: 'docker',
    GANTRY_WELCOME_CREDIT: '1000',
    LOG_LEVEL: 'silent',
  });
  const gantry = await createGantry(config);
  await gantry.app.listen({ port, host: '127.0.0.1' });
  const { deps, app } = gantry;
  // The Connect benchmark's app, built like the built-in templates' images.
  deps.catalog.templates.push({
    id: 'bench-app',
    name: 'Bench app',
    description: 'GET /small, GET /download?mb=N',
    ports: [8080],
    runtime: {
      id: 'bench-app',
      command: [process.execPath, APP],
      ports: [8080],
      build: { node: true, files: { '/app/pod-app.mjs': APP } },
      containerCommand: ['/usr/local/bin/node', '/app/pod-app.mjs'],
    },
  });
  await addHost(deps, {
    name: 'bench',
    engine: 'unix:///var/run/docker.sock',
    gpus: ['rtx-4090:0,1,2,3'],
  });
  const signup = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: {
      email: `bench-${Date.now()}@example.com`,
      name: 'Bench',
      password: 'correct horse battery',
    },
  });
  const cookie = `gantry_session=${signup.cookies.find((c) => c.name === 'gantry_session')?.value}`;
  const accountId = signup.json().account.id as string;
  const api = (method: 'POST' | 'DELETE', url: string, payload?: object) =>
    app.inject({
      method,
      url: `/api/v1/accounts/${accountId}/pods${url}`,
      headers: { cookie },
      ...(payload ? { payload } : {}),
    });
  const statusOf = async (id: string) =>
    (await deps.db.selectFrom('pods').select('status').where('id', '=', id).executeTakeFirst())
      ?.status;
  const waitStatus = async (id: string, status: string) => {
    for (let i = 0; i < 12_000 && (await statusOf(id)) !== status; i += 1) await sleep(5);
  };
  const running = async (id: string) => {
    try {
      return (await docker.getContainer(`gantry-pod-${id}`).inspect()).State.Running;
    } catch {
      return false;
    }
  };
  const create = async (templateId: string) => {
    const res = await api('POST', '', {
      name: 'bench',
      gpuType: 'rtx-4090',
      gpuCount: 1,
      templateId,
    });
    if (res.statusCode !== 201) throw new Error(`create: ${res.statusCode} ${res.body}`);
    return res.json().id as string;
  };
  const terminate = async (id: string) => {
    await api('DELETE', `/${id}`);
    for (let i = 0; i < 6000; i += 1) {
      try {
        await docker.getContainer(`gantry-pod-${id}`).inspect();
      } catch {
        return;
      }
      await sleep(5);
    }
  };

  try {
    // Warm-up: the first Pod builds the image.
    const warm = await create('hello-web');
    await waitStatus(warm, 'running');
    await terminate(warm);
    const creates: number[] = [];
    const stops: number[] = [];
    for (let i = 0; i < PODS; i += 1) {
      const t0 = performance.now();
      const id = await create('hello-web');
      await waitStatus(id, 'running');
      creates.push(performance.now() - t0);
      const t1 = performance.now();
      await api('POST', `/${id}/stop`);
      for (let j = 0; j < 6000 && (await running(id)); j += 1) await sleep(5);
      stops.push(performance.now() - t1);
      await terminate(id);
    }

    // How many upstream streams Connect opened (idle ones are reused per Pod port).
    let streams = 0;
    const openStream = deps.runtime.openStream.bind(deps.runtime);
    deps.runtime.openStream = (podId, port) => {
      streams += 1;
      return openStream(podId, port);
    };
    const appPod = await create('bench-app');
    await waitStatus(appPod, 'running');
    const pid = (await docker.getContainer(`gantry-pod-${appPod}`).inspect()).State.Pid;
    const direct = 'http://127.0.0.1:8080';
    const proxied = `${base}/pods/${appPod}/8080`;
    const rps: Array<{ direct: number; proxied: number }> = [];
    const mbps: Array<{ direct: number; proxied: number }> = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const d = await client(['rps', `${direct}/small`, String(SECONDS), String(CONNECTIONS)], pid);
      const p = await client([
        'rps',
        `${proxied}/small`,
        String(SECONDS),
        String(CONNECTIONS),
        cookie,
      ]);
      if ((p.non2xx ?? 0) > 0 || (p.errors ?? 0) > 0)
        throw new Error(`proxied errors: ${JSON.stringify(p)}`);
      rps.push({ direct: d.rps ?? 0, proxied: p.rps ?? 0 });
      const dd = await client(['download', `${direct}/download?mb=100`], pid);
      const pd = await client(['download', `${proxied}/download?mb=100`, cookie]);
      mbps.push({ direct: dd.mbps ?? 0, proxied: pd.mbps ?? 0 });
    }
    await terminate(appPod);
    console.log(`upstream streams opened by Connect: ${streams}`);

    const f = (n: number) => n.toFixed(0);
    console.log(
      `\nPods benchmark (docker driver), ${new Date().toISOString()}, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log(`\n| latency (ms, ${PODS} Pods) | p50 | p99 |\n|---|--:|--:|`);
    console.log(`| create → running | ${f(median(creates))} | ${f(quantile(creates, 0.99))} |`);
    console.log(`| stop → container stopped | ${f(median(stops))} | ${f(quantile(stops, 0.99))} |`);
    console.log(
      `\n| Connect (${ROUNDS} rounds) | direct in the Pod's netns | through Gantry | ratio (median of rounds) |\n|---|--:|--:|--:|`,
    );
    console.log(
      `| small responses, req/s (${CONNECTIONS} connections, ${SECONDS} s) | ${f(median(rps.map((r) => r.direct)))} | ${f(median(rps.map((r) => r.proxied)))} | ${median(rps.map((r) => r.proxied / r.direct)).toFixed(2)}× |`,
    );
    console.log(
      `| 100 MB download, MB/s | ${f(median(mbps.map((r) => r.direct)))} | ${f(median(mbps.map((r) => r.proxied)))} | ${median(mbps.map((r) => r.proxied / r.direct)).toFixed(2)}× |`,
    );
  } finally {
    await gantry.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
