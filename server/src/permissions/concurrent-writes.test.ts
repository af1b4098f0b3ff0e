import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asCookie,
  auditEvents,
  DIALECTS,
  openTestDatabase,
  startTestGantry,
  type TestGantry,
  type TestUser,
} from '../../test/harness.js';
import { buildTeam } from '../../test/teams.js';
import { verifyAuditChain } from '../audit/audit.service.js';
import { openDatabase } from '../db/database.js';

/**
 * Six clients making audited changes to one team at once, for a while: no answer may be a
 * 5xx (contention is retried, or answered 503 `busy` — counted apart and never expected
 * here), every acknowledged change has exactly one audit event, and the chain verifies.
 * On PostgreSQL the same runs against three Gantry instances on one database.
 */
const SECONDS = Number(process.env.CONCURRENT_WRITES_SECONDS ?? 15);
const CLIENTS = 6;

type Send = TestUser['request'];

interface Tally {
  /** Acknowledged changes, by `action resourceId`. */
  acked: Map<string, number>;
  statuses: Map<number, number>;
  requests: number;
}

function ack(tally: Tally, action: string, resourceId: string): void {
  const key = `${action} ${resourceId}`;
  tally.acked.set(key, (tally.acked.get(key) ?? 0) + 1);
}

function count(tally: Tally, response: LightMyRequestResponse): LightMyRequestResponse {
  tally.requests += 1;
  tally.statuses.set(response.statusCode, (tally.statuses.get(response.statusCode) ?? 0) + 1);
  return response;
}

/** One client: a round of mixed changes on the team, over and over until `until`. */
async function client(
  index: number,
  send: Send,
  accountId: string,
  memberId: string,
  until: number,
  tally: Tally,
): Promise<void> {
  const base = `/api/v1/accounts/${accountId}`;
  let round = 0;
  // Bounded by time and by count.
  while (Date.now() < until && round < 10_000) {
    round += 1;
    const renamed = count(
      tally,
      await send({ method: 'PATCH', url: base, payload: { name: `Team ${index}-${round}` } }),
    );
    if (renamed.statusCode === 200) ack(tally, 'account.update', accountId);

    const created = count(
      tally,
      await send({ method: 'POST', url: `${base}/invites`, payload: { role: 'basic' } }),
    );
    if (created.statusCode === 201) {
      const inviteId: string = created.json().id;
      ack(tally, 'invite.create', inviteId);
      const revoked = count(
        tally,
        await send({ method: 'DELETE', url: `${base}/invites/${inviteId}` }),
      );
      if (revoked.statusCode === 204) ack(tally, 'invite.revoke', inviteId);
    }

    const role = round % 2 === 0 ? 'basic' : 'dev';
    const changed = count(
      tally,
      await send({ method: 'PATCH', url: `${base}/members/${memberId}`, payload: { role } }),
    );
    if (changed.statusCode === 200) ack(tally, 'member.role_change', memberId);

    const key = count(
      tally,
      await send({ method: 'POST', url: `${base}/api-keys`, payload: { name: `k${round}` } }),
    );
    if (key.statusCode === 201) {
      const keyId: string = key.json().id;
      ack(tally, 'apikey.create', keyId);
      const deleted = count(
        tally,
        await send({ method: 'DELETE', url: `${base}/api-keys/${keyId}` }),
      );
      if (deleted.statusCode === 204) ack(tally, 'apikey.revoke', keyId);
    }
  }
}

async function runClients(
  instances: TestGantry[],
  team: Awaited<ReturnType<typeof buildTeam>>,
): Promise<Tally> {
  const tally: Tally = { acked: new Map(), statuses: new Map(), requests: 0 };
  // The owner and five Admins, spread over the instances; each changes its own Basic member.
  const admins = [team.owner, ...team.members.slice(0, CLIENTS - 1)];
  const targets = team.members.slice(CLIENTS - 1);
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    admins.map((admin, i) => {
      const instance = instances[i % instances.length] as TestGantry;
      const send = asCookie(instance.app, admin.cookie);
      return client(i, send, team.accountId, (targets[i] as TestUser).user.id, until, tally);
    }),
  );
  return tally;
}

async function expectOneEventPerChange(gantry: TestGantry, accountId: string, tally: Tally) {
  const events = await auditEvents(gantry, accountId);
  const recorded = new Map<string, number>();
  for (const event of events) {
    if (event.outcome !== 'success') continue;
    const key = `${event.action} ${event.resource_id}`;
    if (!tally.acked.has(key)) continue;
    recorded.set(key, (recorded.get(key) ?? 0) + 1);
  }
  expect(recorded).toEqual(tally.acked);
  expect(await verifyAuditChain(gantry.deps.db, accountId)).toMatchObject({ ok: true });
}

function expectNoServerErrors(tally: Tally): void {
  const fivexx = [...tally.statuses].filter(([status]) => status >= 500);
  expect(fivexx).toEqual([]);
  // Enough happened for the race to be real.
  expect(tally.acked.size).toBeGreaterThan(CLIENTS * 5);
}

const TEAM_ROLES = [
  ...Array.from({ length: CLIENTS - 1 }, () => 'admin' as const),
  ...Array.from({ length: CLIENTS }, () => 'basic' as const),
];

describe.each(DIALECTS)('concurrent audited writes on one team on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry.close());

  it(`six clients for ${SECONDS} s: no 5xx, one audit event per acknowledged change, a verified chain`, {
    timeout: (SECONDS + 60) * 1000,
  }, async () => {
    const team = await buildTeam(gantry, TEAM_ROLES);
    const tally = await runClients([gantry], team);
    expectNoServerErrors(tally);
    await expectOneEventPerChange(gantry, team.accountId, tally);
  });
});

describe.skipIf(!DIALECTS.includes('postgres'))('three instances on one PostgreSQL', () => {
  const instances: TestGantry[] = [];
  beforeAll(async () => {
    // The docker driver: the local one allows one instance per database (no Pods run here;
    // no host is registered, so no engine is asked anything).
    const shared = { GANTRY_RUNTIME: 'docker' };
    const first = await openTestDatabase('postgres');
    instances.push(await startTestGantry('postgres', shared, { database: first }));
    for (let i = 1; i < 3; i += 1) {
      const database = openDatabase({
        databaseUrl: process.env.TEST_DATABASE_URL,
        ...(first.pgSchema ? { pgSchema: first.pgSchema } : {}),
        pgPoolSize: 5,
      });
      instances.push(await startTestGantry('postgres', shared, { database }));
    }
  });
  // The first instance's database drops the schema: it closes last.
  afterAll(async () => {
    for (const instance of [...instances].reverse()) await instance.close();
  });

  it(`six clients over three instances for ${SECONDS} s: no 5xx, one event per change`, {
    timeout: (SECONDS + 60) * 1000,
  }, async () => {
    const team = await buildTeam(instances[0] as TestGantry, TEAM_ROLES);
    const tally = await runClients(instances, team);
    expectNoServerErrors(tally);
    await expectOneEventPerChange(instances[0] as TestGantry, team.accountId, tally);
  });
});
