/**
 * Audit log benchmark (issue 6). Seeds BENCH_EVENTS (default 1,000,000) events over
 * 100 accounts, 500 users and 30 actions with valid hash chains, then measures on
 * SQLite and (when reachable) PostgreSQL:
 *  - p50/p99 of the first page and of a cursor page per filter shape, through
 *    `listAuditEvents` (the function the route calls), against plain indexed SQL
 *    for the same page through the raw driver;
 *  - audited mutations/s through HTTP (PATCH audit settings: change + event + chain
 *    link in one transaction), SQLite with synchronous=FULL;
 *  - export rate and peak RSS/heap for one account and for every account back to back.
 *
 * Run: `npm run bench:audit --workspace bench` (BENCH_EVENTS=100000 for a quick run).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { AuditDetails } from '../../server/src/audit/audit.events.js';
import {
  AUDIT_ACTIONS,
  type AuditAction,
  SYSTEM_CONTEXT,
} from '../../server/src/audit/audit.events.js';
import {
  type AuditPageInput,
  listAuditEvents,
  startAuditExport,
} from '../../server/src/audit/audit.service.js';
import { computeEventHash, GENESIS_HASH } from '../../server/src/audit/audit.writer.js';
import { loadConfig } from '../../server/src/config.js';
import type { Caller } from '../../server/src/context.js';
import {
  type DatabaseHandle,
  type DialectName,
  openDatabase,
} from '../../server/src/db/database.js';
import type { AuditEventRow } from '../../server/src/db/schema.js';
import { transact } from '../../server/src/db/transaction.js';
import { newId } from '../../server/src/lib/ids.js';
import { newToken } from '../../server/src/lib/secrets.js';
import { auditorOf } from '../../server/src/permissions/access.js';
import { createGantry, type Gantry } from '../../server/src/server.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const ACCOUNTS = 100;
const USERS = 500;
const MEMBERS_PER_ACCOUNT = 10;
const RESOURCES_PER_ACCOUNT = 50;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 400);
const MUTATION_SECONDS = Number(process.env.BENCH_MUTATION_SECONDS ?? 10);
/** Which parts to run (comma-separated: queries, export, mutations); all by default. */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'queries,export,mutations').split(','));
/** Which databases (comma-separated: sqlite, postgres); both by default. */
const DIALECTS = new Set((process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(','));
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const START_MS = Date.parse('2025-01-01T00:00:00.000Z');
const SPAN_MS = 365 * 86_400_000;
const ACTIONS = AUDIT_ACTIONS.filter((a) => !a.startsWith('audit.')).slice(0, 30) as AuditAction[];

interface World {
  users: string[];
  accounts: string[];
  members: Map<string, string[]>;
  resources: Map<string, Array<{ type: string; id: string }>>;
}

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
const resourceTypeOf = (action: string) => {
  const prefix = action.split('.')[0]!;
  return prefix === 'ownership' ? 'account' : prefix;
};

function makeWorld(): World {
  const users = Array.from({ length: USERS }, () => newId());
  const accounts = Array.from({ length: ACCOUNTS }, () => newId());
  const members = new Map<string, string[]>();
  const resources = new Map<string, Array<{ type: string; id: string }>>();
  accounts.forEach((account, a) => {
    members.set(
      account,
      Array.from({ length: MEMBERS_PER_ACCOUNT }, (_, k) => users[(a * 5 + k) % USERS]!),
    );
    resources.set(
      account,
      Array.from({ length: RESOURCES_PER_ACCOUNT }, (_, k) => ({
        type: ['pod', 'member', 'invite', 'billing', 'apikey'][k % 5]!,
        id: newId(),
      })),
    );
  });
  return { users, accounts, members, resources };
}

const COLUMNS = [
  'id',
  'account_id',
  'seq',
  'time',
  'actor_type',
  'actor_id',
  'actor_user_id',
  'actor_email',
  'action',
  'resource_type',
  'resource_id',
  'outcome',
  'ip',
  'user_agent',
  'request_id',
  'details',
  'prev_hash',
  'hash',
] as const;

/** Yields the events in batches, every account's chain valid; times non-decreasing per account. */
function* eventBatches(world: World, batchSize: number): Generator<AuditEventRow[]> {
  const heads = new Map(world.accounts.map((a) => [a, { seq: 0, hash: GENESIS_HASH }]));
  let batch: AuditEventRow[] = [];
  for (let i = 0; i < EVENTS; i += 1) {
    const accountId = world.accounts[i % ACCOUNTS]!;
    const head = heads.get(accountId)!;
    const userId = pick(world.members.get(accountId)!);
    const action = ACTIONS[Math.floor(Math.random() * ACTIONS.length)]!;
    const type = resourceTypeOf(action);
    const ofType = world.resources.get(accountId)!.filter((r) => r.type === type);
    const resourceId = ofType.length > 0 ? pick(ofType).id : accountId;
    const fields: Omit<AuditEventRow, 'hash'> = {
      id: newId(),
      account_id: accountId,
      seq: head.seq + 1,
      time: new Date(START_MS + Math.floor((i / EVENTS) * SPAN_MS)).toISOString(),
      actor_type: 'user',
      actor_id: userId,
      actor_user_id: userId,
      actor_email: `${userId.slice(-8)}@example.com`,
      action,
      resource_type: type,
      resource_id: resourceId,
      outcome: i % 50 === 0 ? 'denied' : 'success',
      ip: '203.0.113.7',
      user_agent: 'bench/1.0',
      request_id: newToken(9),
      details: JSON.stringify({ before: { name: 'old' }, after: { name: `new ${i}` } }),
      prev_hash: head.hash,
    };
    const row = { ...fields, hash: computeEventHash(fields) };
    head.seq = row.seq;
    head.hash = row.hash;
    batch.push(row);
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
  lastHeads = heads;
}
let lastHeads = new Map<string, { seq: number; hash: string }>();

/** Users, accounts and memberships: the first member of each account is its owner (Admin). */
function baseRows(world: World, now: string) {
  const users = world.users.map((id) => ({
    id,
    email: `${id.slice(-8)}@example.com`,
    email_normalized: `${id}@example.com`,
    name: `User ${id.slice(-4)}`,
    password_hash: 'x',
    created_at: now,
    updated_at: now,
  }));
  const accounts = world.accounts.map((id) => ({
    id,
    name: `Team ${id.slice(-4)}`,
    kind: 'team' as const,
    owner_id: world.members.get(id)![0]!,
    created_at: now,
    updated_at: now,
  }));
  const memberships = world.accounts.flatMap((account) =>
    world.members.get(account)!.map((user, k) => ({
      account_id: account,
      user_id: user,
      role: k === 0 ? ('admin' as const) : ('dev' as const),
      created_at: now,
    })),
  );
  return { users, accounts, memberships };
}

// ------------------------------------------------------------------------------ seeding

async function seed(gantry: Gantry, dialect: DialectName, world: World, sqlitePath?: string) {
  const db = gantry.deps.db;
  const now = new Date().toISOString();
  const base = baseRows(world, now);
  await db.insertInto('users').values(base.users).execute();
  await db.insertInto('accounts').values(base.accounts).execute();
  await db.insertInto('memberships').values(base.memberships).execute();
  const started = performance.now();
  if (dialect === 'sqlite') {
    const raw = new SQLite(sqlitePath!);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = OFF');
    const indexes = raw
      .prepare(
        "select name, sql from sqlite_master where type = 'index' and tbl_name = 'audit_events' and sql is not null",
      )
      .all() as Array<{ name: string; sql: string }>;
    for (const index of indexes) raw.exec(`drop index ${index.name}`);
    const perStatement = 500;
    const placeholders = `(${COLUMNS.map(() => '?').join(',')})`;
    const insertMany = raw.prepare(
      `insert into audit_events (${COLUMNS.join(',')}) values ${Array(perStatement).fill(placeholders).join(',')}`,
    );
    const insertOne = raw.prepare(
      `insert into audit_events (${COLUMNS.join(',')}) values ${placeholders}`,
    );
    const load = raw.transaction((rows: AuditEventRow[]) => {
      let i = 0;
      for (; i + perStatement <= rows.length; i += perStatement) {
        insertMany.run(rows.slice(i, i + perStatement).flatMap((r) => COLUMNS.map((c) => r[c])));
      }
      for (; i < rows.length; i += 1) insertOne.run(COLUMNS.map((c) => rows[i]![c]));
    });
    for (const rows of eventBatches(world, 50_000)) load(rows);
    for (const index of indexes) raw.exec(index.sql);
    raw.exec('analyze');
    raw.close();
  } else {
    const client = new pg.Client({
      connectionString: PG_URL,
      options: `-c search_path=${gantry.database.pgSchema}`,
    });
    await client.connect();
    const indexes = (
      await client.query(
        "select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename = 'audit_events' and indexname not like '%pkey'",
      )
    ).rows as Array<{ indexname: string; indexdef: string }>;
    for (const index of indexes) await client.query(`drop index ${index.indexname}`);
    const perStatement = 1000;
    for (const rows of eventBatches(world, 50_000)) {
      await client.query('begin');
      for (let i = 0; i < rows.length; i += perStatement) {
        const chunk = rows.slice(i, i + perStatement);
        const values = chunk
          .map((_, r) => `(${COLUMNS.map((_c, c) => `$${r * COLUMNS.length + c + 1}`).join(',')})`)
          .join(',');
        await client.query(
          `insert into audit_events (${COLUMNS.join(',')}) values ${values}`,
          chunk.flatMap((row) => COLUMNS.map((c) => row[c])),
        );
      }
      await client.query('commit');
    }
    for (const index of indexes) await client.query(index.indexdef);
    await client.query('analyze');
    await client.end();
  }
  for (const [accountId, head] of lastHeads) {
    const last = await db
      .selectFrom('audit_events')
      .select('time')
      .where('account_id', '=', accountId)
      .where('seq', '=', head.seq)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('audit_chain_heads')
      .values({ account_id: accountId, seq: head.seq, hash: head.hash, time: last.time })
      .execute();
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, rate: EVENTS / seconds };
}

// ------------------------------------------------------------------------------ queries

interface Shape {
  name: string;
  make(world: World, accountId: string): AuditPageInput;
}

function randomRange(days: number) {
  const from = START_MS + Math.floor(Math.random() * (SPAN_MS - days * 86_400_000));
  return {
    from: new Date(from).toISOString(),
    to: new Date(from + days * 86_400_000).toISOString(),
  };
}

const SHAPES: Shape[] = [
  { name: 'date range (7 d)', make: () => randomRange(7) },
  { name: 'user', make: (w, a) => ({ userId: pick(w.members.get(a)!) }) },
  { name: 'action', make: () => ({ action: pick(ACTIONS) }) },
  {
    name: 'resource + id',
    make: (w, a) => {
      const r = pick(w.resources.get(a)!.filter((x) => x.type === 'pod'));
      return { resourceType: 'pod', resourceId: r.id };
    },
  },
  {
    name: 'user + action + 90 d',
    make: (w, a) => ({
      userId: pick(w.members.get(a)!),
      action: pick(ACTIONS.filter((x) => x.startsWith('pod.'))),
      ...randomRange(90),
    }),
  },
];

/** The plain SQL a hand-written query would use for the same page: the baseline. */
function baselineSql(input: AuditPageInput, dialect: DialectName, before?: number) {
  const where = ['account_id = ?'];
  const args: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    where.push(clause);
    args.push(value);
  };
  if (input.from !== undefined) add('time >= ?', input.from);
  if (input.to !== undefined) add('time < ?', input.to);
  if (input.userId !== undefined) add('actor_user_id = ?', input.userId);
  if (input.action !== undefined) add('action = ?', input.action);
  if (input.resourceType !== undefined) add('resource_type = ?', input.resourceType);
  if (input.resourceId !== undefined) add('resource_id = ?', input.resourceId);
  if (before !== undefined) add('seq < ?', before);
  let text = `select * from audit_events where ${where.join(' and ')} order by seq desc limit 51`;
  if (dialect === 'postgres') {
    let n = 0;
    text = text.replace(/\?/g, () => `$${++n}`);
  }
  return { text, args };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function time<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const t = performance.now();
  const value = await fn();
  return [performance.now() - t, value];
}

interface QueryRow {
  shape: string;
  first50: number;
  first99: number;
  cursor50: number;
  cursor99: number;
  base50: number;
  base99: number;
  rows: number;
}

async function measureQueries(
  gantry: Gantry,
  dialect: DialectName,
  world: World,
  raw: { query(text: string, args: unknown[]): Promise<unknown[]> },
): Promise<QueryRow[]> {
  const results: QueryRow[] = [];
  for (const shape of SHAPES) {
    const first: number[] = [];
    const cursor: number[] = [];
    const base: number[] = [];
    let rows = 0;
    for (let i = 0; i < ITERATIONS + 20; i += 1) {
      const accountId = pick(world.accounts);
      const caller = callerFor(world, accountId);
      const input = { ...shape.make(world, accountId), limit: 50 };
      const [t1, page] = await time(() => listAuditEvents(gantry.deps, caller, accountId, input));
      const q = baselineSql(input, dialect);
      const [tb] = await time(() => raw.query(q.text, [accountId, ...q.args]));
      let t2: number | undefined;
      if (page.nextCursor) {
        [t2] = await time(() =>
          listAuditEvents(gantry.deps, caller, accountId, { ...input, cursor: page.nextCursor! }),
        );
      }
      if (i < 20) continue; // warm-up
      first.push(t1);
      base.push(tb);
      if (t2 !== undefined) cursor.push(t2);
      rows += page.items.length;
    }
    results.push({
      shape: shape.name,
      first50: percentile(first, 50),
      first99: percentile(first, 99),
      cursor50: cursor.length ? percentile(cursor, 50) : Number.NaN,
      cursor99: cursor.length ? percentile(cursor, 99) : Number.NaN,
      base50: percentile(base, 50),
      base99: percentile(base, 99),
      rows: rows / ITERATIONS,
    });
  }
  return results;
}

function callerFor(world: World, accountId: string): Caller {
  const userId = world.members.get(accountId)![0]!;
  return {
    principal: {
      kind: 'session',
      userId,
      email: `${userId.slice(-8)}@example.com`,
      name: 'Bench',
      sessionId: '',
    },
    ip: null,
    userAgent: null,
    requestId: null,
  };
}

// ------------------------------------------------------------------------------ export

async function measureExport(gantry: Gantry, accountIds: string[]) {
  const sampler = memorySampler();
  let events = 0;
  let bytes = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (const accountId of accountIds) {
    const { deps } = gantry;
    const record = (details: AuditDetails<'audit.export'>) =>
      transact(deps.db, (trx) =>
        auditorOf(
          trx,
          SYSTEM_CONTEXT,
          deps.clock.now(),
          accountId,
          'audit.export',
          'audit',
          accountId,
        )(details),
      );
    const result = await startAuditExport(deps, record, accountId, {}, 'csv');
    await pipeline(
      result.stream,
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) events += 1;
          done();
        },
      }),
    );
    events -= 1; // the header line
  }
  const seconds = (performance.now() - started) / 1000;
  const memory = sampler.stop();
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { events, seconds, rate: events / seconds, cpuSeconds, mb: bytes / 1e6, ...memory };
}

function memorySampler() {
  const before = process.memoryUsage();
  let rss = before.rss;
  let heap = before.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return {
        rssBefore: before.rss / 2 ** 20,
        rssPeak: rss / 2 ** 20,
        heapBefore: before.heapUsed / 2 ** 20,
        heapPeak: heap / 2 ** 20,
      };
    },
  };
}

// ------------------------------------------------------------------------------ mutations

async function measureMutations(gantry: Gantry) {
  // A real signed-in Admin of a fresh personal account, over real HTTP.
  const signup = await gantry.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: {
      email: `bench-${newToken(4)}@example.com`,
      name: 'Bench',
      password: 'correct horse battery',
    },
  });
  const cookie = signup.cookies.find((c) => c.name === 'gantry_session')!;
  const accountId = signup.json().account.id as string;
  const address = await gantry.app.listen({ port: 0, host: '127.0.0.1' });
  // The load generator is a separate process (autocannon's CLI), so it never takes
  // the server's event loop or garbage collector.
  const cpuBefore = process.cpuUsage();
  const result = await runAutocannon([
    '--json',
    '--connections',
    '8',
    '--duration',
    String(MUTATION_SECONDS),
    '--method',
    'PATCH',
    '--headers',
    `cookie=gantry_session=${cookie.value}`,
    '--headers',
    'content-type=application/json',
    '--body',
    JSON.stringify({ retentionDays: 90 }),
    `${address}/api/v1/accounts/${accountId}/audit-logs/settings`,
  ]);
  const cpu = process.cpuUsage(cpuBefore);
  const ok = result['2xx'];
  const { verifyAuditChain } = await import('../../server/src/audit/audit.service.js');
  const verified = await verifyAuditChain(gantry.deps.db, accountId);
  return {
    rate: ok / MUTATION_SECONDS,
    ok,
    non2xx: result.non2xx,
    p99: result.latency.p99,
    cpuMicros: (cpu.user + cpu.system) / ok,
    chainOk: verified.ok,
    chainLength: verified.checked,
  };
}

interface AutocannonSummary {
  '2xx': number;
  non2xx: number;
  latency: { p99: number };
}

function runAutocannon(args: string[]): Promise<AutocannonSummary> {
  const cli = join(dirname(createRequire(import.meta.url).resolve('autocannon')), 'autocannon.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { maxBuffer: 64 * 2 ** 20 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout) as AutocannonSummary);
    });
  });
}

/** A raw better-sqlite3 change + event insert per transaction, synchronous=FULL: the baseline. */
function rawMutationBaseline(dir: string): number {
  const raw = new SQLite(join(dir, 'baseline.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec(
    `create table t (id text primary key, v integer);
     create table ev (id text primary key, account_id text, seq integer, time text, details text, hash text);
     create index ev_a on ev (account_id, seq);
     insert into t values ('a', 0);`,
  );
  const update = raw.prepare("update t set v = v + 1 where id = 'a'");
  const insert = raw.prepare('insert into ev values (?, ?, ?, ?, ?, ?)');
  const tx = raw.transaction((i: number) => {
    update.run();
    insert.run(newId(), 'a', i, new Date().toISOString(), '{}', 'h');
  });
  const n = 3000;
  const started = performance.now();
  for (let i = 0; i < n; i += 1) tx(i);
  const rate = n / ((performance.now() - started) / 1000);
  raw.close();
  return rate;
}

// ------------------------------------------------------------------------------ main

async function openBench(
  dialect: DialectName,
  dir: string,
): Promise<{ handle: DatabaseHandle; sqlitePath?: string; drop?: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const sqlitePath = join(dir, 'bench.db');
    return { handle: openDatabase({ sqlitePath }), sqlitePath };
  }
  const schema = `bench_${newToken(6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const handle = openDatabase({ databaseUrl: PG_URL, pgSchema: schema, pgPoolSize: 10 });
  return {
    handle,
    drop: async () => {
      const cleanup = new pg.Client({ connectionString: PG_URL });
      await cleanup.connect();
      await cleanup.query(`drop schema ${schema} cascade`);
      await cleanup.end();
    },
  };
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const f = (n: number) => (Number.isNaN(n) ? '   –  ' : n.toFixed(2).padStart(6));

async function benchDialect(dialect: DialectName) {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-'));
  const { handle, sqlitePath, drop } = await openBench(dialect, dir);
  const config = loadConfig({
    GANTRY_DATA_DIR: dir,
    GANTRY_SECRET: 'bench-secret-bench-secret-bench-secret-01',
    LOG_LEVEL: 'silent',
  });
  const gantry = await createGantry(config, { database: handle });
  const world = makeWorld();
  try {
    console.log(`\n## ${dialect}: seeding ${EVENTS.toLocaleString('en')} events…`);
    const seeded = await seed(gantry, dialect, world, sqlitePath);
    console.log(
      `seeded in ${seeded.seconds.toFixed(1)} s (${Math.round(seeded.rate).toLocaleString('en')} events/s, indexes rebuilt after)`,
    );

    let raw: { query(text: string, args: unknown[]): Promise<unknown[]> };
    let closeRaw = async () => {};
    if (dialect === 'sqlite') {
      const conn = new SQLite(sqlitePath!, { readonly: true });
      const statements = new Map<string, SQLite.Statement>();
      raw = {
        query: async (text, args) => {
          const stmt = statements.get(text) ?? conn.prepare(text);
          statements.set(text, stmt);
          return stmt.all(...args);
        },
      };
      closeRaw = async () => {
        conn.close();
      };
    } else {
      const pool = new pg.Pool({
        connectionString: PG_URL,
        options: `-c search_path=${handle.pgSchema}`,
        max: 2,
      });
      raw = { query: async (text, args) => (await pool.query(text, args)).rows };
      closeRaw = () => pool.end();
    }
    const queries = PARTS.has('queries') ? await measureQueries(gantry, dialect, world, raw) : [];
    await closeRaw();
    console.log(
      `\n### ${dialect}: page of 50 through listAuditEvents (ms; ${ITERATIONS} random accounts per shape)`,
    );
    console.log(
      '| filter shape | first p50 | first p99 | cursor p50 | cursor p99 | plain SQL p50 | plain SQL p99 | p99 ratio | rows/page |',
    );
    console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const q of queries) {
      console.log(
        `| ${q.shape} | ${f(q.first50)} | ${f(q.first99)} | ${f(q.cursor50)} | ${f(q.cursor99)} | ${f(q.base50)} | ${f(q.base99)} | ${(q.first99 / q.base99).toFixed(2)}× | ${q.rows.toFixed(1)} |`,
      );
    }

    if (PARTS.has('export')) await reportExport(gantry, dialect, world);
    if (PARTS.has('mutations')) await reportMutations(gantry, dialect, dir);
  } finally {
    await gantry.close();
    if (!process.env.BENCH_KEEP_DB) await drop?.();
    if (process.env.BENCH_KEEP_DB) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function reportExport(gantry: Gantry, dialect: DialectName, world: World) {
  const one = await measureExport(gantry, [world.accounts[0]!]);
  const all = await measureExport(gantry, world.accounts);
  console.log(`\n### ${dialect}: CSV export (stream consumed in-process)`);
  console.log(
    '| export | events | seconds | events/s | events per CPU second | MB | RSS before → peak (MiB) | heap before → peak (MiB) |',
  );
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const [name, e] of [
    ['one account', one],
    ['all accounts back to back', all],
  ] as const) {
    console.log(
      `| ${name} | ${e.events.toLocaleString('en')} | ${e.seconds.toFixed(2)} | ${Math.round(e.rate).toLocaleString('en')} | ${Math.round(e.events / e.cpuSeconds).toLocaleString('en')} | ${e.mb.toFixed(0)} | ${e.rssBefore.toFixed(0)} → ${e.rssPeak.toFixed(0)} | ${e.heapBefore.toFixed(0)} → ${e.heapPeak.toFixed(0)} |`,
    );
  }
}

async function reportMutations(gantry: Gantry, dialect: DialectName, dir: string) {
  const mutations = await measureMutations(gantry);
  const baseline = dialect === 'sqlite' ? rawMutationBaseline(dir) : Number.NaN;
  console.log(
    `\n### ${dialect}: audited mutations over HTTP (PATCH audit settings, 8 connections, ${MUTATION_SECONDS} s)`,
  );
  console.log(
    `${Math.round(mutations.rate).toLocaleString('en')} mutations/s (${mutations.ok} ok, ${mutations.non2xx} non-2xx, p99 ${mutations.p99} ms, server CPU ${Math.round(mutations.cpuMicros)} µs each), chain verified: ${mutations.chainOk} (${mutations.chainLength} events)` +
      (dialect === 'sqlite'
        ? `; raw change+event transaction baseline ${Math.round(baseline).toLocaleString('en')}/s (ratio ${(mutations.rate / baseline).toFixed(2)})`
        : ''),
  );
}

console.log(
  `# Gantry audit benchmark — ${new Date().toISOString()}, Node ${process.version}, ${EVENTS.toLocaleString('en')} events`,
);
if (DIALECTS.has('sqlite')) await benchDialect('sqlite');
if (!DIALECTS.has('postgres')) {
  // skipped on request
} else if (await postgresReachable()) await benchDialect('postgres');
else console.log(`\nPostgreSQL not reachable at ${PG_URL}: skipped`);
