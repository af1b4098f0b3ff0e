import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { helloWebTemplate } from './builtin-templates.js';
import { LocalDriver } from './local-driver.js';
import {
  type ProxyOptions,
  parseProxyPath,
  proxyHttp,
  proxyUpgrade,
  stripCookies,
  tcpTarget,
} from './proxy.js';
import { driverTarget, podSpec, rawGet, startGateway } from './test-helpers.js';

/** Open a WebSocket that is expected to be refused; resolve the HTTP status it got. */
function wsUnexpectedStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => reject(new Error('unexpectedly opened')));
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => {});
  });
}

describe('parseProxyPath', () => {
  it('splits pod id, port and upstream path, keeping the query and encoding', () => {
    expect(parseProxyPath('/pods/abc-123/8080/api/x%20y?q=1&r=%2F')).toEqual({
      podId: 'abc-123',
      port: 8080,
      prefix: '/pods/abc-123/8080',
      upstreamPath: '/api/x%20y?q=1&r=%2F',
      bare: false,
    });
    expect(parseProxyPath('/pods/abc/80/')).toMatchObject({ upstreamPath: '/', bare: false });
    expect(parseProxyPath('/pods/abc/80')).toMatchObject({ upstreamPath: '/', bare: true });
    expect(parseProxyPath('/pods/abc/80?x=1')).toMatchObject({ upstreamPath: '/?x=1', bare: true });
    expect(parseProxyPath('/pods/abc/80/a/.../b')).toMatchObject({ upstreamPath: '/a/.../b' });
  });

  it.each([
    '/pods/abc/8080/../../api/me',
    '/pods/abc/8080/a/..',
    '/pods/abc/8080/%2e%2e/x',
    '/pods/abc/8080/.%2E/x',
    '/pods/abc/8080/a%2Fb',
    '/pods/abc/8080/a%2fb',
    '/pods/abc/8080/a%5Cb',
    '/pods/abc/8080/a%5cb',
    '/pods/abc/8080/a\\b',
    '/pods/abc/8080/a%00b',
    '/pods/abc/8080/a\u0000b',
    '/pods/abc/8080/a%zz',
    '/pods/../8080/x',
    '/pods/abc/0/x',
    '/pods/abc/65536/x',
    '/pods/abc/08080/x',
    '/pods/abc/http/x',
    '/pods/a%2fb/80/x',
    '/pods/abc',
    '/api/pods/abc/80/',
    'http://evil.example/pods/abc/80/',
    '',
  ])('rejects %j', (url) => {
    expect(parseProxyPath(url)).toHaveProperty('error');
  });
});

describe('stripCookies', () => {
  it('removes only gantry_session', () => {
    expect(stripCookies('a=1; gantry_session=s3cret; b=2')).toBe('a=1; b=2');
    expect(stripCookies('gantry_session=s3cret')).toBeUndefined();
    expect(stripCookies(' gantry_session = x ;c=3')).toBe('c=3');
    expect(stripCookies('gantry_session_x=1; xgantry_session=2')).toBe(
      'gantry_session_x=1; xgantry_session=2',
    );
    expect(stripCookies(undefined)).toBeUndefined();
  });
});

describe('Connect proxy with a real hello-web Pod', () => {
  let dataDir: string;
  let driver: LocalDriver;
  let gateway: { port: number; close(): Promise<void> };
  let podId: string;
  let prefix: string;

  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gantry-proxy-'));
    driver = new LocalDriver({ dataDir, graceMs: 2000 });
    const spec = podSpec(helloWebTemplate(), { name: 'Proxy <Pod> & "friends"' });
    podId = spec.podId;
    prefix = `/pods/${podId}/8080`;
    await driver.start(spec);
    gateway = await startGateway(driver);
  });

  afterEach(async () => {
    await gateway.close();
    await driver.shutdown();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('serves the Pod page (name escaped) through the proxy', async () => {
    const res = await rawGet(gateway.port, `${prefix}/`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('Proxy &lt;Pod&gt; &amp; &quot;friends&quot;');
    expect(res.body).toContain(podId);
    expect(res.body).not.toContain('<Pod>');
  });

  it('redirects the bare prefix to prefix/ so relative links work', async () => {
    const res = await rawGet(gateway.port, `${prefix}?a=1`);
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe(`${prefix}/?a=1`);
  });

  it('strips gantry_session and Authorization, sets x-forwarded-*', async () => {
    const res = await rawGet(gateway.port, `${prefix}/headers?x=1`, {
      cookie: 'theme=dark; gantry_session=SESSION-SECRET; lang=en',
      authorization: 'Bearer API-TOKEN',
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-prefix': '/evil',
      host: 'console.example:8443',
    });
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('SESSION-SECRET');
    expect(res.body).not.toContain('API-TOKEN');
    const { url, headers } = JSON.parse(res.body) as {
      url: string;
      headers: Record<string, string>;
    };
    expect(url).toBe('/headers?x=1');
    expect(headers.cookie).toBe('theme=dark; lang=en');
    expect(headers.authorization).toBeUndefined();
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe('console.example:8443');
    expect(headers['x-forwarded-prefix']).toBe(prefix);
  });

  it('drops the Cookie header entirely when only gantry_session was sent', async () => {
    const res = await rawGet(gateway.port, `${prefix}/headers`, {
      cookie: 'gantry_session=SESSION-SECRET',
    });
    const { headers } = JSON.parse(res.body) as { headers: Record<string, string> };
    expect(headers.cookie).toBeUndefined();
    expect(res.body).not.toContain('SESSION-SECRET');
  });

  it('rejects paths that try to escape the prefix', async () => {
    for (const p of [
      `${prefix}/../../api/me`,
      `${prefix}/%2e%2e/x`,
      `${prefix}/a%2Fb`,
      `${prefix}/a%5Cb`,
      `${prefix}/a%00`,
    ]) {
      const res = await rawGet(gateway.port, p);
      expect(res.status, p).toBe(400);
    }
  });

  it('echoes WebSocket messages through the proxy without leaking credentials', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gateway.port}${prefix}/ws`, {
      headers: { cookie: 'gantry_session=SESSION-SECRET', authorization: 'Bearer API-TOKEN' },
    });
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('open', () => {
        ws.send('hello');
        ws.send('x'.repeat(70_000));
      });
      ws.on('message', (data) => {
        received.push(data.toString());
        if (received.length === 2) ws.close(1000, 'bye');
      });
      ws.on('close', () => resolve());
    });
    expect(received[0]).toBe('hello');
    expect(received[1]).toHaveLength(70_000);
  });

  it('relays the Pod refusing an upgrade', async () => {
    const status = await wsUnexpectedStatus(`ws://127.0.0.1:${gateway.port}${prefix}/not-a-socket`);
    expect(status).toBe(400);
  });

  it('answers 502 pod_unreachable when the Pod is gone (HTTP and WebSocket)', async () => {
    const [endpoint] = await driver.endpoints(podId);
    const route = parseProxyPath(`${prefix}/healthz`);
    if ('error' in route || !endpoint) throw new Error('setup');
    await driver.stop(podId);

    const server = http.createServer(
      (req, res) => void proxyHttp(req, res, driverTarget(driver, podId, endpoint.port), route),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await rawGet((server.address() as AddressInfo).port, '/whatever');
      expect(res.status).toBe(502);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'pod_unreachable' } });
    } finally {
      server.close();
    }

    const wsFront = http.createServer();
    wsFront.on('upgrade', (req, socket, head) =>
      proxyUpgrade(req, socket, head, driverTarget(driver, podId, endpoint.port), route),
    );
    await new Promise<void>((r) => wsFront.listen(0, '127.0.0.1', r));
    try {
      expect(
        await wsUnexpectedStatus(`ws://127.0.0.1:${(wsFront.address() as AddressInfo).port}/x`),
      ).toBe(502);
    } finally {
      wsFront.close();
    }

    // Through the gateway the stopped Pod has no endpoint any more.
    expect((await rawGet(gateway.port, `${prefix}/`)).status).toBe(404);
  });
});

describe('proxyHttp against a scripted upstream', () => {
  let upstream: http.Server;
  let front: http.Server;
  let seen: { method?: string; url?: string; body?: string; headers?: http.IncomingHttpHeaders };
  const opts: ProxyOptions = {};

  beforeEach(async () => {
    seen = {};
    upstream = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = {
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        };
        if (req.url === '/redirect') {
          res.writeHead(302, { location: '/login?next=1' });
          res.end();
          return;
        }
        res.writeHead(201, {
          'set-cookie': ['gantry_session=planted; Path=/', 'app=1; Path=/'],
          'service-worker-allowed': '/',
          'clear-site-data': '"cookies"',
          'x-app': 'yes',
        });
        res.end('created');
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const target = tcpTarget('127.0.0.1', (upstream.address() as AddressInfo).port);
    front = http.createServer((req, res) => {
      const route = parseProxyPath(req.url ?? '');
      if ('error' in route) {
        res.writeHead(400).end();
        return;
      }
      void proxyHttp(req, res, target, route, opts);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  });

  afterEach(async () => {
    front.closeAllConnections();
    upstream.closeAllConnections();
    await new Promise((r) => front.close(r));
    await new Promise((r) => upstream.close(r));
  });

  const frontPort = () => (front.address() as AddressInfo).port;

  it('forwards method and body, and filters dangerous response headers', async () => {
    const res = await rawGet(
      frontPort(),
      '/pods/p1/3000/items?z=9',
      { 'content-type': 'application/json' },
      'POST',
      '{"a":1}',
    );
    expect(seen).toMatchObject({ method: 'POST', url: '/items?z=9', body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(res.body).toBe('created');
    expect(res.headers['x-app']).toBe('yes');
    expect(res.headers['set-cookie']).toEqual(['app=1; Path=/']);
    expect(res.headers['service-worker-allowed']).toBeUndefined();
    expect(res.headers['clear-site-data']).toBeUndefined();
    expect(res.headers['content-security-policy']).toBeUndefined();
  });

  it('rewrites absolute-path redirects under the prefix', async () => {
    const res = await rawGet(frontPort(), '/pods/p1/3000/redirect');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/pods/p1/3000/login?next=1');
  });

  it('adds a sandbox CSP when asked', async () => {
    opts.sandbox = true;
    try {
      const res = await rawGet(frontPort(), '/pods/p1/3000/');
      expect(res.headers['content-security-policy']).toMatch(/^sandbox /);
      expect(res.headers['content-security-policy']).not.toContain('allow-same-origin');
    } finally {
      opts.sandbox = false;
    }
  });
});
