/**
 * What the docker tests need (not used by production code): which engines are reachable here,
 * a host directory over a fixed map, and HTTP over a driver's `openStream`.
 *
 * Engines: `unix:///var/run/docker.sock` (or DOCKER_HOST when it is a unix socket) and a second
 * one for a second GPU host, GANTRY_TEST_DOCKER2 (default `unix:///run/gantry-ci/docker2.sock`,
 * started by .ci/run). Without an engine the tests skip with a warning; REQUIRE_DOCKER=1 (CI)
 * makes that a failure.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import Docker from 'dockerode';
import type { DockerHostDirectory, DockerHostInfo } from './docker-driver.js';
import { DOCKER_API_VERSION } from './docker-driver.js';
import type { RuntimeDriver } from './driver.js';

/** The first engine (tests' host 1). */
export const DOCKER1 =
  process.env.DOCKER_HOST?.startsWith('unix://') === true
    ? process.env.DOCKER_HOST
    : 'unix:///var/run/docker.sock';
/** The second engine (tests' host 2). */
export const DOCKER2 = process.env.GANTRY_TEST_DOCKER2 || 'unix:///run/gantry-ci/docker2.sock';

function answers(engine: string): boolean {
  try {
    // Synchronous on purpose: describe.skipIf needs the answer at collection time.
    execFileSync('docker', ['-H', engine, 'version', '--format', '{{.Server.APIVersion}}'], {
      stdio: 'ignore',
      timeout: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Whether the docker tests can run (`engines` of them reachable, and root for entering network
 * namespaces). Warns when not; throws when REQUIRE_DOCKER=1.
 */
export function dockerAvailable(engines: 1 | 2 = 1): boolean {
  const wanted = engines === 2 ? [DOCKER1, DOCKER2] : [DOCKER1];
  const missing = wanted.filter((engine) => !answers(engine));
  const problems = [
    ...missing.map((engine) => `no Docker Engine answers on ${engine}`),
    ...(isRoot() ? [] : ['not root (entering a Pod network namespace needs it)']),
  ];
  if (problems.length === 0) return true;
  const message = `docker tests skipped: ${problems.join('; ')}`;
  if (process.env.REQUIRE_DOCKER === '1') throw new Error(`${message} (REQUIRE_DOCKER=1)`);
  console.warn(`WARNING: ${message}`);
  return false;
}

/** A host directory over a map the test fills (podId → host). */
export class MapHostDirectory implements DockerHostDirectory {
  readonly hostsById = new Map<string, DockerHostInfo>();
  readonly podHosts = new Map<string, string>();

  constructor(hosts: DockerHostInfo[]) {
    for (const host of hosts) this.hostsById.set(host.id, host);
  }
  place(podId: string, hostId: string): void {
    this.podHosts.set(podId, hostId);
  }
  async hostOfPod(podId: string): Promise<DockerHostInfo | undefined> {
    const id = this.podHosts.get(podId);
    return id ? this.hostsById.get(id) : undefined;
  }
  async host(hostId: string): Promise<DockerHostInfo | undefined> {
    return this.hostsById.get(hostId);
  }
}

/** A dockerode client on an engine URL (for the tests' own look at the engine). */
export function dockerClient(engine: string): Docker {
  return new Docker({ socketPath: new URL(engine).pathname, version: DOCKER_API_VERSION });
}

/** GET `path` on port `port` of a Pod through `driver.openStream`; the body as text. */
export function getThroughStream(
  driver: RuntimeDriver,
  podId: string,
  port: number,
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      path,
      headers: { host: 'pod' },
      createConnection: (_opts, callback) => {
        driver.openStream(podId, port).then(
          (stream) => callback(null, stream as never),
          (error: Error) => callback(error, undefined as never),
        );
        return undefined as never;
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Command lines of the host's processes that contain `text` (the host's PID namespace). */
export function hostProcessesWith(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(text) && !line.includes('ps -eo'));
}
