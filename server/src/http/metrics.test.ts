import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { HttpStats, LATENCY_BUCKETS, registerMetrics } from './metrics.js';

describe('HTTP metrics', () => {
  it('counts answers by method, route and status and exposes their latency histogram', async () => {
    const app = Fastify();
    const registry = registerMetrics(app);
    app.get('/api/slow/:id', async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return { ok: true };
    });
    app.get('/api/fail', async (_request, reply) => reply.status(409).send({ no: true }));
    for (const url of [
      '/api/slow/1',
      '/api/slow/2',
      '/api/fail',
      '/api/fail',
      '/api/fail',
      '/api/missing/x',
      '/missing/y',
      '/assets/a-1.js',
    ]) {
      await app.inject({ url });
    }
    await app.inject({ method: 'POST', url: '/api/fail' });
    const text = await registry.metrics();
    const lines = text.split('\n');
    const line = (prefix: string) => lines.find((l) => l.startsWith(`${prefix} `));
    const value = (prefix: string) => Number(line(prefix)?.split(' ')[1]);

    expect(text).toContain('# TYPE gantry_http_requests_total counter');
    expect(
      value('gantry_http_requests_total{method="GET",route="/api/slow/:id",status="200"}'),
    ).toBe(2);
    expect(value('gantry_http_requests_total{method="GET",route="/api/fail",status="409"}')).toBe(
      3,
    );
    expect(value('gantry_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(
      1,
    );
    expect(value('gantry_http_requests_total{method="POST",route="unmatched",status="404"}')).toBe(
      1,
    );
    // Paths outside the API share one label, whatever their URL.
    expect(value('gantry_http_requests_total{method="GET",route="other",status="404"}')).toBe(2);
    expect(text).not.toContain('missing/y');
    expect(text).not.toContain('a-1.js');

    const h = 'gantry_http_request_duration_seconds';
    expect(text).toContain(`# HELP ${h} HTTP request latency by method and route`);
    expect(text).toContain(`# TYPE ${h} histogram`);
    const bucket = (le: string) =>
      value(`${h}_bucket{le="${le}",method="GET",route="/api/slow/:id"}`);
    // Both slow answers took at least 30 ms: none in the buckets up to 25 ms, all by 2.5 s.
    for (const le of ['0.001', '0.0025', '0.005', '0.01', '0.025']) expect(bucket(le)).toBe(0);
    expect(bucket('2.5')).toBe(2);
    expect(bucket('+Inf')).toBe(2);
    expect(value(`${h}_count{method="GET",route="/api/slow/:id"}`)).toBe(2);
    expect(value(`${h}_sum{method="GET",route="/api/slow/:id"}`)).toBeGreaterThanOrEqual(0.06);
    // Cumulative, one line per bound and +Inf, in order.
    const slowBuckets = lines.filter(
      (l) => l.startsWith(`${h}_bucket{`) && l.includes('/api/slow/'),
    );
    expect(slowBuckets).toHaveLength(LATENCY_BUCKETS.length + 1);
    const counts = slowBuckets.map((l) => Number(l.split(' ')[1]));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    await app.close();
  });

  it('puts each latency in the first bucket whose bound it does not exceed', async () => {
    const stats = new HttpStats();
    for (const seconds of [0, 0.001, 0.0011, 2.5, 3]) stats.record('GET', '/x', 200, seconds);
    const [entry] = [...stats.entries()];
    expect(entry?.stats.buckets).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(entry?.stats.count).toBe(5);
    expect(entry?.stats.statuses.get(200)).toBe(5);
  });
});
