/**
 * HTTP benchmark of the foundation: three servers in one run, alternating, each in its own
 * process, driven by autocannon on loopback:
 *   (a) hello  — bare Fastify hello-world;
 *   (b) floor  — a minimal Fastify handler doing the same reads as (c) with raw prepared statements;
 *   (c) gantry — Gantry's GET /api/v1/accounts/:accountId with a real session cookie.
 * On SQLite, and on PostgreSQL when reachable. Prints req/s, p50, p99 and the ratios c/a, c/b.
 *
 * The target (since 2026-12-04, issue 19) is **c/(b+30%) ≥ 1** on both dialects: Gantry's layers
 * cost less than 30 % of the floor's own work. It replaces c/a, which is printed for reference only
 * (it mostly measures how fast bare Fastify runs against the database read on the host at hand).
 *
 * Two more figures say what the ratios can mean on the machine at hand:
 * - b/a, the floor's own share of bare Fastify: c/a cannot be much above it, whatever the
 *   layers cost, since (c) does the floor's reads too;
 * - a calibration server, (b+30%): the floor plus busy work equal to 30 % of the floor's CPU
 *   time per request (measured after the warm-up). The c/b ≥ 0.7 stands for "our layers
 *   cost at most 30 % over the floor"; a load generator sharing the server's cores does not turn
 *   30 % more work into 1/1.3 of the throughput, so (b+30%)/b shows what 30 % more work scores
 *   here, and c/(b+30%) ≥ 1 says Gantry's layers cost less than that.
 *
 * Also prints the server process's CPU time per request (user + system, from
 * process.cpuUsage() around each measurement): unlike req/s it barely moves when other work
 * shares the machine's cores.
 *
 * The ratios are paired: c/b of each round (c measured right after b), then the median over
 * the rounds, so that the host's drift between rounds — large on shared machines — cancels
 * out; the ratio of the medians is printed beside it.
 *
 * BENCH_SECONDS (default 3) per measurement, BENCH_ROUNDS (default 6), BENCH_CONNECTIONS (10).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TSX_LOADER = import.meta.resolve('tsx');
const SERVER = join(import.meta.dirname, 'http-servers.ts');

interface Started {
  child: ChildProcess;
  port: number;
  path?: string;
  cookie?: string;
  dataDir?: string;
}

/**
 * Starts one server in its own Node process. Its stdout (pino request logs at info) goes to
 * /dev/null so this process — the load generator — never pays for reading the server's logs;
 * the server reports it is listening over an IPC channel.
 */
async function startServer(kind: string, dialect: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, SERVER, kind, dialect], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Started>((resolve, reject) => {
    child.once('message', (message) => resolve({ child, ...(message as Omit<Started, 'child'>) }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  // Nothing more is expected over the channel; let the driver exit without closing it.
  child.channel?.unref();
  return ready;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU time (user + system) per request, µs. */
  cpu: number;
}

/** The server process's CPU time so far, µs. */
function serverCpu(server: Started): Promise<number> {
  return new Promise((resolve) => {
    server.child.once('message', (message) => {
      const { cpu } = message as { cpu: NodeJS.CpuUsage };
      resolve(cpu.user + cpu.system);
    });
    server.child.send('cpu');
  });
}

async function measure(server: Started, url: string, cookie?: string): Promise<Sample> {
  const cpuBefore = await serverCpu(server);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: cookie ? { cookie } : {},
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  const cpu = ((await serverCpu(server)) - cpuBefore) / result.requests.total;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, cpu };
}

/** (a) hello, (b) floor, (b+30%) the floor with 30 % more work, (c) Gantry. */
type Key = 'a' | 'b' | 'b30' | 'c';
const KEYS: readonly Key[] = ['a', 'b', 'b30', 'c'];

const median = (values: number[]) =>
  [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;

async function pgReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function runDialect(dialect: 'sqlite' | 'postgres') {
  const schema = `bench_http_${process.pid}`;
  const admin = dialect === 'postgres' ? new pg.Client({ connectionString: PG_URL }) : undefined;
  if (admin) {
    await admin.connect();
    await admin.query(`create schema ${schema}`);
  }
  const pgEnv: Record<string, string> = admin
    ? { BENCH_PG_SCHEMA: schema, BENCH_DATABASE_URL: PG_URL }
    : {};
  const gantry = await startServer('gantry', dialect, pgEnv);
  const token = gantry.cookie?.split('=')[1] ?? '';
  const accountId = gantry.path?.split('/').pop() ?? '';
  const floorEnv = {
    ...pgEnv,
    BENCH_DATA_DIR: gantry.dataDir ?? '',
    BENCH_TOKEN: token,
    BENCH_ACCOUNT: accountId,
  };
  const floor = await startServer('floor', dialect, floorEnv);
  const hello = await startServer('hello', dialect);
  const servers = [gantry, floor, hello];
  const url = (server: Started) => `http://127.0.0.1:${server.port}${server.path ?? '/'}`;
  const samples: Record<Key, Sample[]> = { a: [], b: [], b30: [], c: [] };
  let extraUs = 0;
  let targets: Record<Key, { name: string; server: Started }> | undefined;
  try {
    // Warm-up, then alternate so drift affects all servers alike.
    for (const server of servers) {
      await autocannon({
        url: url(server),
        connections: CONNECTIONS,
        duration: 1,
        headers: { cookie: gantry.cookie ?? '' },
      });
    }
    // The calibration server: the floor plus 30 % of the floor's own CPU time per request, as
    // busy work (see the header).
    extraUs = Math.round(0.3 * (await measure(floor, url(floor), gantry.cookie)).cpu);
    const floor30 = await startServer('floor', dialect, {
      ...floorEnv,
      BENCH_EXTRA_US: String(extraUs),
    });
    servers.push(floor30);
    await autocannon({ url: url(floor30), connections: CONNECTIONS, duration: 1 });
    targets = {
      a: { name: '(a) hello (bare Fastify)', server: hello },
      b: { name: '(b) floor (raw prepared reads)', server: floor },
      b30: { name: `(b+30%) floor + ${extraUs} µs busy work`, server: floor30 },
      c: { name: '(c) gantry GET /accounts/:id', server: gantry },
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const key of KEYS) {
        const { server } = targets[key];
        samples[key].push(await measure(server, url(server), gantry.cookie));
      }
    }
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    if (admin) {
      await new Promise((r) => setTimeout(r, 500));
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  }
  const summary = Object.fromEntries(
    KEYS.map((key) => [
      key,
      {
        rps: median(samples[key].map((s) => s.rps)),
        p50: median(samples[key].map((s) => s.p50)),
        p99: median(samples[key].map((s) => s.p99)),
        cpu: median(samples[key].map((s) => s.cpu)),
      },
    ]),
  ) as Record<Key, Sample>;
  console.log(
    `\n## ${dialect} — ${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections (medians)`,
  );
  console.log('| server | req/s | p50 ms | p99 ms | server CPU µs/req |');
  console.log('|---|---:|---:|---:|---:|');
  for (const key of KEYS) {
    const s = summary[key];
    console.log(
      `| ${targets[key].name} | ${s.rps.toFixed(0)} | ${s.p50} | ${s.p99} | ${s.cpu.toFixed(0)} |`,
    );
  }
  const ratio = (x: number, y: number) => (x / y).toFixed(2);
  // Median over the rounds of each round's ratio (see the header).
  const paired = (x: Key, y: Key, of: (s: Sample) => number) =>
    median(samples[x].map((s, i) => of(s) / of(samples[y][i] as Sample))).toFixed(2);
  const rps = (s: Sample) => s.rps;
  const perCpu = (s: Sample) => 1 / s.cpu;
  console.log(
    `c/a = ${paired('c', 'a', rps)}   c/b = ${paired('c', 'b', rps)}   (medians of per-round ratios;` +
      ` by server CPU per request: c/a = ${paired('c', 'a', perCpu)}, c/b = ${paired('c', 'b', perCpu)})`,
  );
  const rounds = (x: Key, y: Key) =>
    samples[x].map((s, i) => ratio(s.rps, (samples[y][i] as Sample).rps)).join(' ');
  console.log(`per round: c/a ${rounds('c', 'a')}; c/b ${rounds('c', 'b')}`);
  console.log(
    `ratios of the medians: c/a = ${ratio(summary.c.rps, summary.a.rps)}   c/b = ${ratio(summary.c.rps, summary.b.rps)}`,
  );
  console.log(
    `the floor's own b/a = ${paired('b', 'a', rps)} (no server doing these reads reaches a higher c/a)`,
  );
  const calibrated = paired('c', 'b30', rps);
  console.log(
    `calibration: (b+30%)/b = ${paired('b30', 'b', rps)} (per round: ${rounds('b30', 'b')}); ` +
      `c/(b+30%) = ${calibrated} (per round: ${rounds('c', 'b30')})`,
  );
  console.log(
    `TARGET c/(b+30%) ≥ 1 (Gantry's layers cost less than 30 % of the floor's work): ` +
      `${Number(calibrated) >= 1 ? 'met' : 'missed'}; c/a is for reference only`,
  );
  console.log(
    `load average during the run: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(`memory of this driver: rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
}

console.log(`# Gantry HTTP benchmark — ${new Date().toISOString()} — node ${process.version}`);
await runDialect('sqlite');
if (await pgReachable()) await runDialect('postgres');
else console.log('\nPostgreSQL not reachable: skipped.');
