import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, type Histogram, Registry } from 'prom-client';

const REQUESTS = 'gantry_http_requests_total';
const LATENCY = 'gantry_http_request_duration_seconds';
/** Upper bounds of the latency histogram's buckets, seconds. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** What was answered on one route for one method: answers by status, and their latency. */
class RouteStats {
  readonly statuses = new Map<number, number>();
  /** Answers per latency bucket (not cumulative); the last counts those above every bound. */
  readonly buckets = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
  sum = 0;
  count = 0;

  record(status: number, seconds: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[bucket] as number)) {
      bucket++;
    }
    this.buckets[bucket] = (this.buckets[bucket] as number) + 1;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * Requests by route, method and status, with their latency, counted in plain maps keyed by
 * the route pattern and method: prom-client's `inc`/`observe` validate and hash a label set
 * on every call, which cost a simple request about as much as writing its log line. The
 * figures become prom-client metrics when `/metrics` is read.
 */
export class HttpStats {
  readonly #routes = new Map<string, Map<string, RouteStats>>();

  record(method: string, route: string, status: number, seconds: number): void {
    let methods = this.#routes.get(route);
    if (!methods) {
      methods = new Map();
      this.#routes.set(route, methods);
    }
    let stats = methods.get(method);
    if (!stats) {
      stats = new RouteStats();
      methods.set(method, stats);
    }
    stats.record(status, seconds);
  }

  *entries(): Generator<{ method: string; route: string; stats: RouteStats }> {
    for (const [route, methods] of this.#routes) {
      for (const [method, stats] of methods) yield { method, route, stats };
    }
  }
}

type LatencyValue = { labels: Record<string, string | number>; value: number; metricName: string };

/**
 * The latency histogram as prom-client's registry reads a metric (`get`), built from
 * {@link HttpStats} when scraped: prom-client's own Histogram cannot be given counts.
 */
function latencyMetric(stats: HttpStats) {
  return {
    name: LATENCY,
    help: 'HTTP request latency by method and route',
    type: 'histogram',
    aggregator: 'sum',
    // Counts since the process started, as Prometheus expects; `registry.resetMetrics()` keeps them.
    reset() {},
    async get() {
      const values: LatencyValue[] = [];
      for (const { method, route, stats: s } of stats.entries()) {
        let cumulative = 0;
        LATENCY_BUCKETS.forEach((le, i) => {
          cumulative += s.buckets[i] as number;
          values.push({
            labels: { le, method, route },
            value: cumulative,
            metricName: `${LATENCY}_bucket`,
          });
        });
        const labels = { method, route };
        values.push(
          { labels: { le: '+Inf', ...labels }, value: s.count, metricName: `${LATENCY}_bucket` },
          { labels, value: s.sum, metricName: `${LATENCY}_sum` },
          { labels, value: s.count, metricName: `${LATENCY}_count` },
        );
      }
      return {
        name: LATENCY,
        help: this.help,
        type: this.type,
        aggregator: this.aggregator,
        values,
      };
    },
  };
}

/** Gantry's own routes outside the API that keep their own label. */
const SYSTEM_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The `route` label of an answer to `url`: the route pattern of an API route (never the raw URL,
 * so ids and tokens do not become labels) or of a system route (`/healthz`, `/readyz`,
 * `/metrics`); `unmatched` for an API path no route matched; and one label, `other`, for every
 * other path — the console's files (a route each, renamed with every build), its pages, the
 * Connect proxy and unknown paths — so the label set stays small and fixed.
 */
export function metricRouteOf(pattern: string | undefined, url: string): string {
  if (pattern === undefined) return url.startsWith('/api/') ? 'unmatched' : 'other';
  if (pattern.startsWith('/api/') || SYSTEM_ROUTES.has(pattern)) return pattern;
  return 'other';
}

/** Prometheus metrics: requests by route and status, latency, and process metrics. */
export function registerMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const stats = new HttpStats();
  new Counter({
    name: REQUESTS,
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { method, route, stats: s } of stats.entries()) {
        for (const [status, count] of s.statuses) {
          this.inc({ method, route, status: String(status) }, count);
        }
      }
    },
  });
  // The registry only calls `get` and `reset`, which this object has.
  registry.registerMetric(latencyMetric(stats) as unknown as Histogram);
  app.addHook('onResponse', (request, reply, done) => {
    stats.record(
      request.method,
      metricRouteOf(request.routeOptions.url, request.url),
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  return registry;
}
