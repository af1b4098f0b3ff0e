import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import type { OperatorIo } from '../src/cli/operator.js';
import { loadConfig } from '../src/config.js';
import { type DatabaseHandle, type DialectName, openDatabase } from '../src/db/database.js';
import { newToken } from '../src/lib/secrets.js';
import { createGantry, type Gantry, type StartOptions } from '../src/server.js';

const PG_URL = process.env.TEST_DATABASE_URL;

/**
 * The dialects every shared test runs on: SQLite always, PostgreSQL whenever
 * TEST_DATABASE_URL is set. With REQUIRE_POSTGRES=1 (CI) a missing URL fails.
 */
export const DIALECTS: DialectName[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
if (process.env.REQUIRE_POSTGRES === '1' && !PG_URL) {
  throw new Error('REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set');
}

/** A fresh empty database of the dialect: in-memory SQLite, or a new PostgreSQL schema. */
export async function openTestDatabase(dialect: DialectName): Promise<DatabaseHandle> {
  if (dialect === 'sqlite') return openDatabase({ sqlitePath: ':memory:' });
  const schema = `t_${newToken(6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const handle = openDatabase({ databaseUrl: PG_URL, pgSchema: schema, pgPoolSize: 5 });
  return {
    ...handle,
    async close() {
      await handle.close();
      const cleanup = new pg.Client({ connectionString: PG_URL });
      await cleanup.connect();
      await cleanup.query(`drop schema ${schema} cascade`);
      await cleanup.end();
    },
  };
}

export interface TestGantry extends Gantry {
  dataDir: string;
}

/** A whole Gantry on a fresh database, with quiet logs and a temporary data folder. */
export async function startTestGantry(
  dialect: DialectName,
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<TestGantry> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-test-'));
  const config = loadConfig({
    GANTRY_DATA_DIR: dataDir,
    GANTRY_SECRET: 'test-secret-test-secret-test-secret-0123',
    GANTRY_PUBLIC_URL: 'http://gantry.test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Suites sign up many users from one address; the sign-up throttle's own test lowers it.
    GANTRY_SIGNUPS_PER_IP_HOUR: '1000000',
    ...env,
  });
  const database = options.database ?? (await openTestDatabase(dialect));
  const gantry = await createGantry(config, { ...options, database });
  return {
    ...gantry,
    dataDir,
    async close() {
      await gantry.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A unique email for a test user. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${newToken(3).toLowerCase()}@example.com`;
}

export const PASSWORD = 'correct horse battery';

/** A signed-in test user: their cookie, user and personal account. */
export interface TestUser {
  cookie: string;
  user: { id: string; email: string; name: string };
  account: { id: string; name: string; kind: string };
  /** Sends a request as this user. */
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
}

export function cookieFrom(response: LightMyRequestResponse, name = 'gantry_session'): string {
  const cookie = response.cookies.find((c) => c.name === name);
  if (!cookie) throw new Error(`no ${name} cookie in response (status ${response.statusCode})`);
  return `${name}=${cookie.value}`;
}

export function asCookie(app: FastifyInstance, cookie: string) {
  return (options: InjectOptions) =>
    app.inject({ ...options, headers: { ...options.headers, cookie } });
}

/** Signs up a new user through the API. */
export async function signUp(
  app: FastifyInstance,
  fields: { email?: string; name?: string; password?: string } = {},
): Promise<TestUser> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: {
      email: fields.email ?? uniqueEmail(),
      name: fields.name ?? 'Test User',
      password: fields.password ?? PASSWORD,
    },
  });
  if (response.statusCode !== 201) {
    throw new Error(`signup failed: ${response.statusCode} ${response.body}`);
  }
  const body = response.json();
  const cookie = cookieFrom(response);
  return { cookie, user: body.user, account: body.account, request: asCookie(app, cookie) };
}

/** A well-formed id that names nothing: for the 404 of an unknown resource. */
export const ABSENT_ID = '01900000-0000-7000-8000-000000000000';

/** Events of an account straight from the table, oldest first. */
export async function auditEvents(gantry: Gantry, accountId: string) {
  return gantry.deps.db
    .selectFrom('audit_events')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('seq', 'asc')
    .execute();
}

/** The parsed `details` of a stored audit event. */
export function detailsOf(event: { details: string }): Record<string, unknown> {
  return JSON.parse(event.details);
}

/** An operator command's output captured: `io` holds what was written, `sink` receives it. */
export function captureOperatorIo(): {
  io: { out: string; err: string };
  sink: OperatorIo;
} {
  const io = { out: '', err: '' };
  return {
    io,
    sink: {
      out: (text) => {
        io.out += text;
      },
      err: (text) => {
        io.err += text;
      },
    },
  };
}
