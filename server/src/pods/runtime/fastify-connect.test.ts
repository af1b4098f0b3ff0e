// Shows (and checks) how the HTTP layer wires Connect into Fastify: proxy from an
// onRequest hook (before any body parsing) with reply.hijack(), and WebSockets
// from the underlying server's 'upgrade' event. Authorization is stubbed here.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { helloWebTemplate } from './builtin-templates.js';
import { LocalDriver } from './local-driver.js';
import { parseProxyPath, proxyHttp, proxyUpgrade } from './proxy.js';
import { driverTarget, podSpec } from './test-helpers.js';

describe('Connect inside Fastify', () => {
  let dataDir: string;
  let driver: LocalDriver;
  let app: FastifyInstance;
  let base: string;
  let prefix: string;

  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gantry-fastify-'));
    driver = new LocalDriver({ dataDir, graceMs: 2000 });
    const spec = podSpec(helloWebTemplate(), { name: 'fastify pod' });
    prefix = `/pods/${spec.podId}/8080`;
    await driver.start(spec);

    app = Fastify();
    app.post('/api/echo', async (request) => request.body);
    app.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/pods/')) return;
      const route = parseProxyPath(request.url);
      if ('error' in route)
        return reply.code(400).send({ error: { code: 'bad_path', message: route.error } });
      // Real code: authenticate, authorize(actor, 'pods.connect', pod) here.
      const endpoint = (await driver.endpoints(route.podId)).find((e) => e.port === route.port);
      if (!endpoint)
        return reply.code(404).send({ error: { code: 'not_found', message: 'not running' } });
      reply.hijack();
      await proxyHttp(
        request.raw,
        reply.raw,
        driverTarget(driver, route.podId, route.port),
        route,
        {
          clientIp: request.ip,
        },
      );
    });
    app.server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      const route = parseProxyPath(req.url ?? '');
      if ('error' in route) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      void driver.endpoints(route.podId).then((endpoints) => {
        const endpoint = endpoints.find((e) => e.port === route.port);
        if (!endpoint) {
          socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          return;
        }
        proxyUpgrade(req, socket, head, driverTarget(driver, route.podId, route.port), route);
      });
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterEach(async () => {
    await app.close();
    await driver.shutdown();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('proxies HTTP (including request bodies) and leaves other routes alone', async () => {
    const page = await fetch(`${base}${prefix}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('fastify pod');

    const headers = await fetch(`${base}${prefix}/headers`, {
      method: 'GET',
      headers: { cookie: 'gantry_session=abc; x=1', authorization: 'Bearer t' },
    });
    const seen = (await headers.json()) as { headers: Record<string, string> };
    expect(seen.headers.cookie).toBe('x=1');
    expect(seen.headers.authorization).toBeUndefined();

    const api = await fetch(`${base}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await api.json()).toEqual({ a: 1 });
  });

  it('proxies WebSockets', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}${prefix}/ws`);
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('open', () => ws.send('over fastify'));
      ws.on('message', (data) => resolve(data.toString()));
    });
    ws.close();
    expect(reply).toBe('over fastify');
  });
});
