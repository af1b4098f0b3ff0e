/**
 * One server of the HTTP benchmark, in its own process so the load generator
 * does not share its event loop. Usage: tsx http-servers.ts <hello|floor|gantry> <sqlite|postgres>
 * Sends {port, path, cookie, dataDir} over the IPC channel when listening (stdout carries the
 * server's own logs, which the driver discards).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import Fastify, { type FastifyReply } from 'fastify';
import pg from 'pg';
import { loadConfig } from '../../server/src/config.js';
import { openDatabase } from '../../server/src/db/database.js';
import { hashToken } from '../../server/src/lib/secrets.js';
import { createGantry } from '../../server/src/server.js';

const [kind = 'gantry', dialect = 'sqlite'] = process.argv.slice(2);
const pgUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'gantry-bench-'));
const schema = process.env.BENCH_PG_SCHEMA ?? 'public';

// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
process.once('SIGTERM', () => process.exit(0));

// The driver asks for this process's CPU time around each measurement.
process.on('message', (message) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});

/** Keeps the CPU busy for `ms`, without allocating or calling into the system. */
function busyFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
}

function ready(port: number, extra: Record<string, string> = {}) {
  if (!process.send) throw new Error('start this server through bench/src/http.ts (IPC channel)');
  process.send({ port, ...extra });
  process.channel?.unref();
}

if (kind === 'hello') {
  const app = Fastify();
  app.get('/', async () => ({ hello: 'world' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  ready(typeof address === 'object' && address ? address.port : 0);
} else if (kind === 'gantry') {
  const database =
    dialect === 'postgres'
      ? openDatabase({ databaseUrl: pgUrl, pgSchema: schema })
      : openDatabase({ dataDir });
  const gantry = await createGantry(
    loadConfig({
      GANTRY_DATA_DIR: dataDir,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      GANTRY_SECRET: 'bench-secret-bench-secret-bench-secret!!',
    }),
    { database },
  );
  const signup = await gantry.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: {
      email: `bench-${Date.now()}@example.com`,
      password: 'bench password 1',
      name: 'Bench',
    },
  });
  const cookie = signup.cookies.find((c) => c.name === 'gantry_session');
  const body = signup.json() as { account: { id: string } };
  await gantry.app.listen({ port: 0, host: '127.0.0.1' });
  const address = gantry.app.server.address();
  ready(typeof address === 'object' && address ? address.port : 0, {
    path: `/api/v1/accounts/${body.account.id}`,
    cookie: `gantry_session=${cookie?.value}`,
    dataDir,
  });
} else {
  // The floor: the same read as Gantry's GET /accounts/:id — the session with its user by
  // token hash, joined with the caller's membership on the account, the account row and the
  // user's two-factor state (a team may require it), in one query — as a raw prepared statement.
  const token = process.env.BENCH_TOKEN ?? '';
  const accountId = process.env.BENCH_ACCOUNT ?? '';
  const READ =
    'select s.id, s.user_id, s.last_seen_at, s.expires_at, u.email, u.name, m.role, ' +
    'a.name as account_name, a.kind as account_kind, a.owner_id as account_owner_id, ' +
    'a.created_at as account_created_at, a.updated_at as account_updated_at, ' +
    'a.require_two_factor_at as account_require_two_factor_at, t.enabled_at as two_factor_at ' +
    'from sessions s join users u on u.id = s.user_id ' +
    'left join memberships m on m.user_id = s.user_id and m.account_id = $1 ' +
    'left join accounts a on a.id = m.account_id ' +
    'left join user_two_factor t on t.user_id = s.user_id where s.token_hash = $2';
  type Row = { role: string | null };
  // The calibration server (b+) is the floor with this much busy work added to each request.
  const extraMs = Number(process.env.BENCH_EXTRA_US ?? 0) / 1000;
  const answer = (row: Row | undefined, reply: FastifyReply) => {
    if (extraMs > 0) busyFor(extraMs);
    if (!row) return reply.status(401).send({ error: 'unauthenticated' });
    if (row.role === null) return reply.status(404).send({ error: 'not_found' });
    return row;
  };
  const app = Fastify();
  if (dialect === 'postgres') {
    const pool = new pg.Pool({
      connectionString: pgUrl,
      max: 10,
      options: `-c search_path=${schema}`,
    });
    app.get('/accounts/:id', async (request, reply) => {
      const cookie = request.headers.cookie?.split('=')[1] ?? token;
      const result = await pool.query({
        name: 'read',
        text: READ,
        values: [accountId, hashToken(cookie)],
      });
      return answer(result.rows[0], reply);
    });
  } else {
    // Its own copy of Gantry's database (same rows, same indexes): two processes reading one
    // SQLite file share its WAL index and locks, which slowed whichever server was measured
    // while the other held the file open (by up to a quarter, intermittently).
    const copy = join(mkdtempSync(join(tmpdir(), 'gantry-bench-floor-')), 'floor.db');
    const source = new SQLite(join(dataDir, 'gantry.db'), { readonly: true });
    source.exec(`vacuum into '${copy}'`);
    source.close();
    const db = new SQLite(copy);
    db.pragma('journal_mode = WAL');
    const read = db.prepare(READ.replace(/\$\d/g, '?'));
    app.get('/accounts/:id', async (request, reply) => {
      const cookie = request.headers.cookie?.split('=')[1] ?? token;
      return answer(read.get(accountId, hashToken(cookie)) as Row | undefined, reply);
    });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  ready(typeof address === 'object' && address ? address.port : 0, {
    path: `/accounts/${accountId}`,
  });
}
