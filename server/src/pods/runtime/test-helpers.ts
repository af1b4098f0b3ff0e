/** Shared helpers for runtime tests (not used by production code). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { PodSpec, RuntimeDriver, TemplateRuntime } from './driver.js';
import {
  type ProxyRoute,
  type ProxyTarget,
  parseProxyPath,
  proxyHttp,
  proxyUpgrade,
} from './proxy.js';

/** Template running `__fixtures__/fixture.mjs <mode>`. */
export function fixtureTemplate(mode: string, ports: number[] = [8080]): TemplateRuntime {
  const script = fileURLToPath(new URL('./__fixtures__/fixture.mjs', import.meta.url));
  return { id: `fixture-${mode}`, command: [process.execPath, script, mode], ports };
}

let counter = 0;
/** A PodSpec with a fresh id. */
export function podSpec(template: TemplateRuntime, overrides: Partial<PodSpec> = {}): PodSpec {
  counter += 1;
  return {
    podId: `pod-${process.pid}-${counter}`,
    name: `test pod ${counter}`,
    template,
    env: {},
    gpuType: 'a100',
    gpuCount: 1,
    ...overrides,
  };
}

/** A proxy target reaching `port` of a Pod through the driver (inside the Pod's namespace). */
export function driverTarget(driver: RuntimeDriver, podId: string, port: number): ProxyTarget {
  return { openStream: () => driver.openStream(podId, port) };
}

/** A request to `port` of a Pod, through the driver's `openStream` (as Connect reaches it). */
export function podRequest(
  driver: RuntimeDriver,
  podId: string,
  port: number,
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      path,
      headers: { host: 'pod' },
      createConnection: (_options, done) => {
        driver.openStream(podId, port).then(
          (stream) => done(null, stream),
          (err: Error) => (done as (e: Error) => void)(err),
        );
        return undefined;
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Minimal Connect gateway in front of a driver (no auth), like the API will build. */
export async function startGateway(
  driver: RuntimeDriver,
): Promise<{ port: number; close(): Promise<void> }> {
  type Resolved = { status: number; error: string } | { route: ProxyRoute; target: ProxyTarget };
  const resolve = async (url: string | undefined): Promise<Resolved> => {
    const route = parseProxyPath(url ?? '');
    if ('error' in route) return { status: 400, error: route.error };
    const endpoint = (await driver.endpoints(route.podId)).find((e) => e.port === route.port);
    if (!endpoint) return { status: 404, error: 'pod not running' };
    return { route, target: driverTarget(driver, route.podId, route.port) };
  };
  const server = http.createServer((req, res) => {
    void resolve(req.url).then((r) => {
      if ('error' in r) {
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'bad_path', message: r.error } }));
        return;
      }
      return proxyHttp(req, res, r.target, r.route);
    });
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    void resolve(req.url).then((r) => {
      if ('error' in r) {
        socket.end(
          `HTTP/1.1 ${r.status} Rejected\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
        );
        return;
      }
      proxyUpgrade(req, socket, head, r.target, r.route);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Raw GET (no URL normalization, unlike fetch). */
export function rawGet(
  port: number,
  path: string,
  headers: http.OutgoingHttpHeaders = {},
  method = 'GET',
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Wait until `check` returns true (polling), or fail after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** true while a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
