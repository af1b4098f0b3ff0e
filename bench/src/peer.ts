/**
 * The peer benchmark: Gantry against Better Auth's organization plugin (on `node:http`, its
 * defaults except rate limiting, its own schema from its own migrations), side by side in one
 * run, each in its own process, driven by autocannon on loopback. Both on SQLite (WAL,
 * `synchronous=FULL`), then both on PostgreSQL (a database of its own on 127.0.0.1:5432, one
 * schema per side, created and dropped here).
 *
 * Cases, on a team of 20 members, as its owner:
 *   list members · session read · create an invite · accept an invite (a fresh invitee each) ·
 *   change a role (alternating between two roles, over the 19 non-owners).
 * Gantry also writes a hash-chained audit event in the transaction of each change.
 *
 * Rounds alternate the sides (and which goes first), and each round's Gantry/Better Auth
 * ratio is taken from the two measurements made next to each other; the printed ratio is the
 * median of those per-round ratios, so the host's drift between rounds cancels out.
 *
 * PEER_ROUNDS (default 3), PEER_SECONDS per measurement (3), PEER_CONNECTIONS (10),
 * PEER_ACCEPTS accepts per measurement (200), PEER_DIALECTS (sqlite,postgres), PEER_CASES (all;
 * a comma-separated list of parts of case names, e.g. `invite,role`),
 * BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres: where the database is made).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Options, type RequestParams } from 'autocannon';
import pg from 'pg';
import type { AcceptItem, Fixture } from './peer-servers.js';

const ROUNDS = Number(process.env.PEER_ROUNDS ?? 3);
const SECONDS = Number(process.env.PEER_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.PEER_CONNECTIONS ?? 10);
const ACCEPTS = Number(process.env.PEER_ACCEPTS ?? 200);
const DIALECTS = (process.env.PEER_DIALECTS ?? 'sqlite,postgres').split(',');
/** Only the cases whose name contains one of these (comma-separated), e.g. `invite,role`. */
const ONLY = process.env.PEER_CASES?.split(',');
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TSX_LOADER = import.meta.resolve('tsx');
const SERVER = join(import.meta.dirname, 'peer-servers.ts');

type SideName = 'gantry' | 'better-auth';
const SIDES: readonly SideName[] = ['better-auth', 'gantry'];

interface Started {
  name: SideName;
  child: ChildProcess;
  fixture: Fixture;
}

async function startSide(name: SideName, dialect: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, SERVER, name, dialect], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const fixture = await new Promise<Fixture>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { fixture: Fixture }).fixture));
    child.once('exit', (code) => reject(new Error(`${name} server exited with ${code}`)));
  });
  return { name, child, fixture } satisfies Started;
}

function prepareAccepts(side: Started, count: number): Promise<AcceptItem[]> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string; items: AcceptItem[] }) => {
      if (message.type !== 'accepts') return;
      side.child.off('message', onMessage);
      resolve(message.items);
    };
    side.child.on('message', onMessage);
    side.child.send({ type: 'accepts', count });
  });
}

/** A request as autocannon's `setupRequest` shapes it. */
interface Request {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Case {
  name: string;
  kind: 'read' | 'write';
  /** The next request of this case on this side (called once per request). */
  next(side: Started, i: number): Request;
}

let inviteCounter = 0;
const json = (side: Started, method: string, path: string, body?: unknown): Request => ({
  method,
  path,
  headers: {
    cookie: side.fixture.ownerCookie,
    origin: side.fixture.origin,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

const CASES: Case[] = [
  {
    name: 'list members (20)',
    kind: 'read',
    next: (side) =>
      side.name === 'gantry'
        ? json(side, 'GET', `/api/v1/accounts/${side.fixture.teamId}/members`)
        : json(
            side,
            'GET',
            `/api/auth/organization/list-members?organizationId=${side.fixture.teamId}`,
          ),
  },
  {
    name: 'session read',
    kind: 'read',
    next: (side) =>
      side.name === 'gantry'
        ? json(side, 'GET', '/api/v1/me')
        : json(side, 'GET', '/api/auth/get-session'),
  },
  {
    name: 'create invite',
    kind: 'write',
    next: (side) => {
      const email = `invitee-${process.pid}-${++inviteCounter}@example.com`;
      return side.name === 'gantry'
        ? json(side, 'POST', `/api/v1/accounts/${side.fixture.teamId}/invites`, {
            role: 'dev',
            email,
          })
        : json(side, 'POST', '/api/auth/organization/invite-member', {
            email,
            role: 'member',
            organizationId: side.fixture.teamId,
          });
    },
  },
  {
    name: 'accept invite',
    kind: 'write',
    next: () => {
      throw new Error('accept requests come from the prepared pool');
    },
  },
  {
    name: 'change a role',
    kind: 'write',
    next: (side, i) => {
      const members = side.fixture.memberIds;
      const memberId = members[i % members.length] as string;
      // Each member's role flips between two values from one request on it to the next.
      const flip = Math.floor(i / members.length) % 2 === 0;
      return side.name === 'gantry'
        ? json(side, 'PATCH', `/api/v1/accounts/${side.fixture.teamId}/members/${memberId}`, {
            role: flip ? 'dev' : 'billing',
          })
        : json(side, 'POST', '/api/auth/organization/update-member-role', {
            memberId,
            role: flip ? 'admin' : 'member',
            organizationId: side.fixture.teamId,
          });
    },
  },
];

interface Sample {
  rps: number;
  p50: number;
  p99: number;
}

/** One measurement: `SECONDS` of the case, or the prepared accepts (one each). */
async function measure(side: Started, testCase: Case, seconds: number): Promise<Sample> {
  const url = side.fixture.origin;
  let i = 0;
  let options: Options;
  // A fixed number of accepts is timed from the first request sent to the last answer:
  // autocannon itself ends such a run on its next one-second tick.
  let firstSent: number | undefined;
  let lastAnswered: number | undefined;
  if (testCase.name === 'accept invite') {
    const pool = await prepareAccepts(side, seconds === SECONDS ? ACCEPTS : 30);
    options = {
      url,
      connections: CONNECTIONS,
      amount: pool.length,
      requests: [
        {
          setupRequest: (request: RequestParams) => {
            // autocannon may prepare a request or two beyond `amount` that it never sends.
            const item = (pool[i++] ?? pool.at(-1)) as AcceptItem;
            firstSent ??= performance.now();
            return {
              ...request,
              method: 'POST',
              path: item.path,
              headers: {
                cookie: item.cookie,
                origin: url,
                ...(item.body ? { 'content-type': 'application/json' } : {}),
              },
              body: item.body,
            };
          },
          onResponse: () => {
            lastAnswered = performance.now();
          },
        },
      ],
    };
  } else {
    options = {
      url,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [
        { setupRequest: (request: RequestParams) => ({ ...request, ...testCase.next(side, i++) }) },
      ],
    };
  }
  process.stderr.write(`  ${side.name} ${testCase.name} (${seconds} s)…\n`);
  const result = await autocannon(options);
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${side.name} ${testCase.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  // A fixed number of accepts: requests over the time they took (autocannon's own average is
  // per whole second, and a short run is a fraction of one); otherwise its per-second average.
  const elapsed = ((lastAnswered ?? 0) - (firstSent ?? 0)) / 1000;
  const rps =
    options.amount === undefined || elapsed <= 0
      ? result.requests.average
      : result.requests.total / elapsed;
  return { rps, p50: result.latency.p50, p99: result.latency.p99 };
}

const median = (values: number[]) =>
  [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;

async function pgAdmin(): Promise<pg.Client | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return client;
  } catch {
    return undefined;
  }
}

async function runDialect(dialect: string): Promise<void> {
  const cases = CASES.filter((c) => !ONLY || ONLY.some((part) => c.name.includes(part)));
  const database = `bench_peer_${process.pid}`;
  let admin: pg.Client | undefined;
  const env: Record<SideName, Record<string, string>> = { gantry: {}, 'better-auth': {} };
  if (dialect === 'postgres') {
    admin = await pgAdmin();
    if (!admin) {
      console.log('\nPostgreSQL not reachable: skipped.');
      return;
    }
    await admin.query(`create database ${database}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    const setup = new pg.Client({ connectionString: url.toString() });
    await setup.connect();
    for (const schema of ['gantry', 'better_auth']) await setup.query(`create schema ${schema}`);
    await setup.end();
    env.gantry = { BENCH_PEER_DATABASE_URL: url.toString(), BENCH_PEER_SCHEMA: 'gantry' };
    env['better-auth'] = {
      BENCH_PEER_DATABASE_URL: url.toString(),
      BENCH_PEER_SCHEMA: 'better_auth',
    };
  }
  const started: Started[] = [];
  const samples = new Map<string, Sample[]>();
  const key = (side: SideName, c: Case) => `${side}:${c.name}`;
  try {
    for (const name of SIDES) started.push(await startSide(name, dialect, env[name]));
    // Warm-up: one second of each case on each side.
    for (const testCase of cases) for (const side of started) await measure(side, testCase, 1);
    for (let round = 0; round < ROUNDS; round++) {
      for (const testCase of cases) {
        const order = round % 2 === 0 ? started : [...started].reverse();
        for (const side of order) {
          const list = samples.get(key(side.name, testCase)) ?? [];
          list.push(await measure(side, testCase, SECONDS));
          samples.set(key(side.name, testCase), list);
        }
      }
    }
  } finally {
    for (const side of started) side.child.kill('SIGTERM');
    if (admin) {
      await Promise.all(
        started.map((side) => new Promise((resolve) => side.child.once('exit', resolve))),
      );
      await admin.query(`drop database if exists ${database}`);
      await admin.end();
    }
  }

  console.log(
    `\n## ${dialect} — ${ROUNDS} alternating rounds × ${SECONDS} s (accepts: ${ACCEPTS} per measurement), ${CONNECTIONS} connections, medians`,
  );
  console.log(
    '| case | Better Auth req/s | p50 / p99 ms | Gantry req/s | p50 / p99 ms | Gantry / Better Auth (paired) | per round | target |',
  );
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const testCase of cases) {
    const ba = samples.get(key('better-auth', testCase)) ?? [];
    const g = samples.get(key('gantry', testCase)) ?? [];
    const perRound = g.map((s, i) => s.rps / (ba[i] as Sample).rps);
    const paired = median(perRound);
    const target = testCase.kind === 'read' ? 5 : 2;
    const fmt = (list: Sample[]) =>
      [
        median(list.map((s) => s.rps)).toFixed(0),
        `${median(list.map((s) => s.p50))} / ${median(list.map((s) => s.p99))}`,
      ].join(' | ');
    console.log(
      `| ${testCase.name} | ${fmt(ba)} | ${fmt(g)} | **${paired.toFixed(2)}×** | ${perRound
        .map((r) => r.toFixed(2))
        .join(' ')} | ≥ ${target}× ${paired >= target ? 'met' : 'missed'} |`,
    );
  }
  console.log(
    `load average after the run: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `# Peer benchmark: Gantry vs Better Auth (organization plugin) — ${new Date().toISOString()} — node ${process.version}, ${cpus().length} × ${cpu}`,
);
for (const dialect of DIALECTS) await runDialect(dialect);
