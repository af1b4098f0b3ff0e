/**
 * One side of the peer benchmark, in its own process: Gantry, or Better Auth with its
 * organization plugin on `node:http`. Usage: tsx peer-servers.ts <gantry|better-auth> <sqlite|postgres>
 *
 * Both get the same data: a team of 20 members (the owner and 19 others) and, when asked over
 * the IPC channel, pending invitations with a signed-in invitee each, so the accept case
 * measures only the accepts. Users are made through each side's own storage layer (Gantry's
 * tables, Better Auth's internal adapter) without password hashing, which neither case measures.
 *
 * Messages: the server sends `{ type: 'ready', port, fixture }` when listening; the driver sends
 * `{ type: 'accepts', count }` and gets `{ type: 'accepts', items }` back.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { hashPassword } from '../../server/src/auth/passwords.js';
import { loadConfig } from '../../server/src/config.js';
import { openDatabase } from '../../server/src/db/database.js';
import { newId } from '../../server/src/lib/ids.js';
import { hashToken, newToken } from '../../server/src/lib/secrets.js';
import { createGantry } from '../../server/src/server.js';

const [side = 'gantry', dialect = 'sqlite'] = process.argv.slice(2);
const pgUrl = process.env.BENCH_PEER_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgSchema = process.env.BENCH_PEER_SCHEMA ?? 'public';
const TEAM_SIZE = 20;

/** What the driver needs to send requests: cookies, ids and the paths of each case. */
export interface Fixture {
  origin: string;
  ownerCookie: string;
  /** The team / organization id. */
  teamId: string;
  /** Members whose role the change-a-role case flips (never the owner). */
  memberIds: string[];
}

/** One prepared accept: the invitee's cookie and the request that accepts its invitation. */
export interface AcceptItem {
  cookie: string;
  path: string;
  body: string;
}

interface Side {
  fixture: Fixture;
  prepareAccepts(count: number): Promise<AcceptItem[]>;
}

/** Temporary folders of this process (SQLite files, Gantry's data folder), removed on SIGTERM. */
const made: string[] = [];
function temporaryFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  made.push(folder);
  return folder;
}
process.once('SIGTERM', () => {
  for (const folder of made) rmSync(folder, { recursive: true, force: true });
  process.exit(0);
});

/** Listens first (the origin goes into the configuration), then hands requests to `handler`. */
async function listen(): Promise<{ origin: string; serve(handler: RequestListener): void }> {
  let handler: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    serve(next) {
      handler = next;
    },
  };
}

let counter = 0;
const uniqueEmail = (prefix: string) => `${prefix}-${process.pid}-${++counter}@example.com`;

// ---------------------------------------------------------------------------- Gantry

async function startGantry(): Promise<Side> {
  const dataDir = temporaryFolder('gantry-peer-');
  const database =
    dialect === 'postgres'
      ? openDatabase({ databaseUrl: pgUrl, pgSchema })
      : openDatabase({ dataDir });
  const gantry = await createGantry(
    loadConfig({
      GANTRY_DATA_DIR: dataDir,
      GANTRY_SECRET: 'bench-secret-bench-secret-bench-secret!!',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    }),
    { database },
  );
  const db = gantry.deps.db;
  // Its own Fastify server; without GANTRY_PUBLIC_URL the origin writes must come from is the
  // one the request's Host names, which the driver sends.
  await gantry.app.listen({ port: 0, host: '127.0.0.1' });
  const address = gantry.app.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const signup = await gantry.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email: uniqueEmail('owner'), password: 'bench password 1', name: 'Owner' },
  });
  const ownerCookie = `gantry_session=${signup.cookies.find((c) => c.name === 'gantry_session')?.value}`;
  const teamId = (signup.json() as { account: { id: string } }).account.id;
  const convert = await gantry.app.inject({
    method: 'POST',
    url: `/api/v1/accounts/${teamId}/convert`,
    headers: { cookie: ownerCookie },
    payload: { teamName: 'Bench Team' },
  });
  if (convert.statusCode !== 200) throw new Error(`convert: ${convert.statusCode} ${convert.body}`);

  // Users made in Gantry's own tables (a password hash computed once; nobody signs in with it).
  const passwordHash = await hashPassword('bench password 1');
  const now = () => new Date().toISOString();
  async function insertUserWithSession(prefix: string) {
    const id = newId();
    const email = uniqueEmail(prefix);
    const token = newToken(32);
    const at = now();
    await db
      .insertInto('users')
      .values({
        id,
        email,
        email_normalized: email,
        name: prefix,
        password_hash: passwordHash,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await db
      .insertInto('sessions')
      .values({
        id: newId(),
        user_id: id,
        token_hash: hashToken(token),
        created_at: at,
        last_seen_at: at,
        expires_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        ip: null,
        user_agent: null,
      })
      .execute();
    return { id, email, cookie: `gantry_session=${token}` };
  }

  const memberIds: string[] = [];
  for (let i = 1; i < TEAM_SIZE; i++) {
    const user = await insertUserWithSession('member');
    await db
      .insertInto('memberships')
      .values({ account_id: teamId, user_id: user.id, role: 'basic', created_at: now() })
      .execute();
    memberIds.push(user.id);
  }

  return {
    fixture: { origin, ownerCookie, teamId, memberIds },
    async prepareAccepts(count) {
      const items: AcceptItem[] = [];
      for (let i = 0; i < count; i++) {
        const invitee = await insertUserWithSession('invitee');
        const invite = await gantry.app.inject({
          method: 'POST',
          url: `/api/v1/accounts/${teamId}/invites`,
          headers: { cookie: ownerCookie },
          payload: { role: 'dev', email: invitee.email },
        });
        const url = (invite.json() as { url: string }).url;
        const token = url.slice(url.lastIndexOf('/') + 1);
        items.push({ cookie: invitee.cookie, path: `/api/v1/invites/${token}/accept`, body: '' });
      }
      return items;
    },
  };
}

// ---------------------------------------------------------------------------- Better Auth

async function startBetterAuth(): Promise<Side> {
  const [{ betterAuth }, { organization }, { getMigrations }, { toNodeHandler }] =
    await Promise.all([
      import('better-auth'),
      import('better-auth/plugins'),
      import('better-auth/db/migration'),
      import('better-auth/node'),
    ]);
  const { origin, serve } = await listen();
  let database: SQLite.Database | pg.Pool;
  if (dialect === 'postgres') {
    database = new pg.Pool({
      connectionString: pgUrl,
      max: 10,
      options: `-c search_path=${pgSchema}`,
    });
  } else {
    const sqlite = new SQLite(join(temporaryFolder('better-auth-peer-'), 'auth.db'));
    // The same durability as Gantry's: WAL, and every commit synced (power-loss safe).
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    database = sqlite;
  }
  const secret = 'bench-secret-bench-secret-bench-secret!!';
  const options = {
    baseURL: origin,
    secret,
    database,
    emailAndPassword: { enabled: true },
    // Its defaults, except: no rate limiting (a load test is one client), no telemetry (the
    // benchmark talks to loopback only), and room for the invitations and members a run makes
    // (the defaults stop at 100 pending invitations and 100 members per organization).
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    plugins: [organization({ invitationLimit: 1_000_000, membershipLimit: 1_000_000 })],
  };
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
  const auth = betterAuth(options);
  const context = await auth.$context;

  /** A user and a session made through Better Auth's internal adapter, with its signed cookie. */
  async function userWithSession(prefix: string) {
    const user = await context.internalAdapter.createUser(
      { email: uniqueEmail(prefix), name: prefix },
      { method: 'admin' },
    );
    const session = await context.internalAdapter.createSession(user.id);
    // better-call's signed cookie: `<token>.<base64 HMAC-SHA256 under the secret>`, URI-encoded.
    const signature = createHmac('sha256', secret).update(session.token).digest('base64');
    const cookie = `better-auth.session_token=${encodeURIComponent(`${session.token}.${signature}`)}`;
    return { user, cookie };
  }

  const owner = await userWithSession('owner');
  const ownerHeaders = new Headers({ cookie: owner.cookie, origin });
  const org = await auth.api.createOrganization({
    body: { name: 'Bench Team', slug: `bench-${process.pid}` },
    headers: ownerHeaders,
  });
  if (!org) throw new Error('better-auth: createOrganization answered nothing');
  const memberIds: string[] = [];
  for (let i = 1; i < TEAM_SIZE; i++) {
    const { user } = await userWithSession('member');
    const member = await auth.api.addMember({
      body: { userId: user.id, role: 'member', organizationId: org.id },
    });
    if (!member) throw new Error('better-auth: addMember answered nothing');
    memberIds.push(member.id);
  }

  serve(toNodeHandler(auth));
  return {
    fixture: { origin, ownerCookie: owner.cookie, teamId: org.id, memberIds },
    async prepareAccepts(count) {
      const items: AcceptItem[] = [];
      for (let i = 0; i < count; i++) {
        const invitee = await userWithSession('invitee');
        const invitation = await auth.api.createInvitation({
          body: { email: invitee.user.email, role: 'member', organizationId: org.id },
          headers: ownerHeaders,
        });
        items.push({
          cookie: invitee.cookie,
          path: '/api/auth/organization/accept-invitation',
          body: JSON.stringify({ invitationId: invitation.id }),
        });
      }
      return items;
    },
  };
}

// ---------------------------------------------------------------------------- main

const started = side === 'better-auth' ? await startBetterAuth() : await startGantry();
if (!process.send) throw new Error('start this server through bench/src/peer.ts (IPC channel)');
process.on('message', (message: { type: string; count?: number }) => {
  if (message.type !== 'accepts') return;
  started.prepareAccepts(message.count ?? 0).then(
    (items) => process.send?.({ type: 'accepts', items }),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
});
process.send({ type: 'ready', fixture: started.fixture });
