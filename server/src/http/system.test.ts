import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, signUp, startTestGantry, type TestGantry } from '../../test/harness.js';
import { createLogger } from '../lib/logger.js';
import { LazyRequestLogger, millis } from './logging.js';

describe.each(DIALECTS)('system endpoints on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry?.close());

  it('answers health, readiness and metrics', async () => {
    expect((await gantry.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await gantry.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    await signUp(gantry.app);
    await gantry.app.inject({ url: '/api/v1/nope/0123456789' });
    const metrics = await gantry.app.inject({ url: '/metrics' });
    expect(metrics.body).toContain(
      'gantry_http_requests_total{method="POST",route="/api/v1/auth/signup",status="201"} 1',
    );
    expect(metrics.body).toContain(
      'gantry_http_requests_total{method="GET",route="/healthz",status="200"} 1',
    );
    // Unmatched URLs share one label, so ids and tokens never become label values.
    expect(metrics.body).toContain(
      'gantry_http_requests_total{method="GET",route="unmatched",status="404"} 1',
    );
    expect(metrics.body).toContain('gantry_http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
  });

  it('asks for GANTRY_METRICS_TOKEN on /metrics when it is set, and labels console files as one', async () => {
    const webDir = mkdtempSync(join(tmpdir(), 'gantry-web-'));
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Gantry</title>');
    writeFileSync(join(webDir, 'assets', 'index-3f9a1c.js'), 'console.log(1)');
    writeFileSync(join(webDir, 'assets', 'index-77b2e0.css'), 'body{}');
    const token = 'm'.repeat(40);
    const guarded = await startTestGantry(dialect, { GANTRY_METRICS_TOKEN: token }, { webDir });
    try {
      for (const url of ['/assets/index-3f9a1c.js', '/assets/index-77b2e0.css', '/teams']) {
        expect((await guarded.app.inject({ url })).statusCode, url).toBe(200);
      }
      const refused = [
        undefined,
        'Bearer',
        `Bearer ${'m'.repeat(39)}`,
        `Bearer ${token}x`,
        `Basic ${Buffer.from(`x:${token}`).toString('base64')}`,
        token,
      ];
      for (const authorization of refused) {
        const response = await guarded.app.inject({
          url: '/metrics',
          headers: authorization === undefined ? {} : { authorization },
        });
        expect(response.statusCode, authorization).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(response.body).not.toContain('gantry_http_requests_total');
      }
      const allowed = await guarded.app.inject({
        url: '/metrics',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(allowed.statusCode).toBe(200);
      // The two files and the page share one label; no file name becomes a label value.
      expect(allowed.body).toContain(
        'gantry_http_requests_total{method="GET",route="other",status="200"} 3',
      );
      expect(allowed.body).not.toContain('index-3f9a1c');
      expect(allowed.body).not.toContain('/assets/');
    } finally {
      await guarded.close();
      rmSync(webDir, { recursive: true, force: true });
    }
  });

  it('serves an OpenAPI 3.1 document describing every API route', async () => {
    const response = await gantry.app.inject({ url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/signup', '/api/v1/me', '/api/v1/accounts/{accountId}']),
    );
    expect(doc.components.schemas).toHaveProperty('Account');
    const docs = await gantry.app.inject({ url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    // The docs UI reads the canonical document.
    const ui = await gantry.app.inject({ url: '/api/docs/static/swagger-initializer.js' });
    expect(ui.body).toContain('"url":"/api/v1/openapi.json"');
  });

  it('answers unknown API routes with a JSON 404 and a request id', async () => {
    const response = await gantry.app.inject({ url: '/api/v1/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('not_found');
    expect(response.headers['x-request-id']).toBeTruthy();
  });
});

describe.each(DIALECTS)('request logs and common headers on %s', (dialect) => {
  let gantry: TestGantry;
  let logged = '';
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk);
        done();
      },
    });
    gantry = await startTestGantry(dialect, {}, { logger: createLogger('info', sink) });
  });
  afterAll(() => gantry?.close());

  const linesOf = (requestId: unknown) =>
    logged
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((line) => line.reqId === requestId);

  it('writes one line per request, when it completes, with method, URL, status and time', async () => {
    const owner = await signUp(gantry.app);
    const ok = await owner.request({ method: 'GET', url: `/api/v1/accounts/${owner.account.id}` });
    expect(ok.statusCode).toBe(200);
    const lines = linesOf(ok.headers['x-request-id']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      reqId: ok.headers['x-request-id'],
      req: { method: 'GET', url: `/api/v1/accounts/${owner.account.id}`, ip: '127.0.0.1' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      msg: 'request completed',
    });
    // Written in the order of pino's own lines.
    expect(Object.keys(lines[0])).toEqual([
      'level',
      'time',
      'pid',
      'hostname',
      'reqId',
      'req',
      'res',
      'responseTime',
      'msg',
    ]);
    expect(Math.abs(lines[0].time - Date.now())).toBeLessThan(60_000);
    expect(JSON.stringify(lines[0])).not.toContain(owner.cookie.split('=')[1]?.split(';')[0]);

    const denied = await gantry.app.inject({ url: `/api/v1/accounts/${owner.account.id}` });
    expect(denied.statusCode).toBe(401);
    const deniedLines = linesOf(denied.headers['x-request-id']);
    expect(deniedLines).toHaveLength(1);
    expect(deniedLines[0]).toMatchObject({ msg: 'request completed', res: { statusCode: 401 } });

    const token = 'A'.repeat(43);
    const preview = await gantry.app.inject({ url: `/api/v1/invites/${token}?x="\\` });
    const [previewLine] = linesOf(preview.headers['x-request-id']);
    // The token is redacted, and what JSON must escape is escaped (the line parsed).
    expect(previewLine.req.url).toBe('/api/v1/invites/[redacted]?x=%22\\');

    // A percent-encoded invite path and a secret-looking query parameter: neither in clear.
    const encoded = await gantry.app.inject({ url: `/invite%2F${token}?access_token=jupyter1` });
    const [encodedLine] = linesOf(encoded.headers['x-request-id']);
    expect(encodedLine.req.url).toBe('/invite/[redacted]?access_token=[redacted]');
    expect(JSON.stringify(encodedLine)).not.toContain('jupyter1');
    expect(JSON.stringify(encodedLine)).not.toContain(token);
  });

  it('sends the request id, nosniff and, on the API, no-store — on errors too', async () => {
    for (const url of ['/api/v1/me', '/api/v1/nope']) {
      const response = await gantry.app.inject({ url });
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.headers['x-request-id']).toMatch(/^[A-Za-z0-9_-]{12}$/);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['cache-control']).toBe('no-store');
    }
    const health = await gantry.app.inject({ url: '/healthz' });
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect(health.headers['cache-control']).toBeUndefined();
    const ids = new Set<unknown>();
    for (let i = 0; i < 600; i++)
      ids.add((await gantry.app.inject({ url: '/healthz' })).headers['x-request-id']);
    expect(ids.size).toBe(600);
  });
});

describe('millis', () => {
  it('writes milliseconds to the microsecond as a JSON number', () => {
    expect(millis(0)).toBe('0.000');
    expect(millis(1.2344)).toBe('1.234');
    expect(millis(1.2346)).toBe('1.235');
    expect(millis(0.0504)).toBe('0.050');
    expect(millis(12.9996)).toBe('13.000');
    expect(millis(1234.5)).toBe('1234.500');
    expect(JSON.parse(millis(7.007))).toBe(7.007);
  });
});

describe('LazyRequestLogger', () => {
  it('makes the child logger on first use, with the request bindings', () => {
    let logged = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk);
        done();
      },
    });
    const parent = createLogger('info', sink);
    const children: unknown[] = [];
    const child = parent.child.bind(parent);
    parent.child = ((bindings, options) => {
      children.push(bindings);
      return child(bindings, options);
    }) as typeof parent.child;
    const log = new LazyRequestLogger(parent, { reqId: 'r1' }, {});
    expect(log.level).toBe('info');
    log.debug('not written');
    expect(children).toEqual([{ reqId: 'r1' }]);
    log.warn({ password: 'hunter2' }, 'careful');
    log.error('failed %s', 'twice');
    expect(children).toHaveLength(1);
    const lines = logged
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toMatchObject([
      { level: 40, reqId: 'r1', password: '[redacted]', msg: 'careful' },
      { level: 50, reqId: 'r1', msg: 'failed twice' },
    ]);
  });

  it('makes no child for a request that logs nothing', () => {
    const parent = createLogger('info', new Writable({ write: (_c, _e, done) => done() }));
    let made = 0;
    const child = parent.child.bind(parent);
    parent.child = ((bindings, options) => {
      made++;
      return child(bindings, options);
    }) as typeof parent.child;
    const log = new LazyRequestLogger(parent, { reqId: 'r2' }, { level: 'warn' });
    expect(log.level).toBe('warn');
    expect(made).toBe(0);
  });
});
