import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asCookie,
  auditEvents,
  cookieFrom,
  DIALECTS,
  PASSWORD,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
} from '../../test/harness.js';
import type { Caller } from '../context.js';
import type { AuditEventRow } from '../db/schema.js';
import { ManualClock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { AuditAction, AuditContext, Outcome, ResourceType } from './audit.events.js';
import { csvCell, listAuditEvents, pruneAuditEvents, verifyAuditChain } from './audit.service.js';
import { type AuditEventInput, writeAuditEvent } from './audit.writer.js';

const START = '2026-03-01T00:00:00.000Z';
const USERS = [newId(), newId(), newId()];
const ACTIONS: AuditAction[] = [
  'pod.create',
  'pod.stop',
  'pod.start',
  'member.remove',
  'billing.update',
];
const RESOURCES: ResourceType[] = ['pod', 'pod', 'pod', 'member', 'billing'];
const POD_IDS = [newId(), newId()];

function contextOf(userId: string, i: number): AuditContext {
  return {
    actor:
      i % 4 === 3
        ? { type: 'apikey', id: `key-${userId.slice(-4)}`, userId, email: `${userId}@example.com` }
        : { type: 'user', id: userId, userId, email: `${userId}@example.com` },
    ip: '203.0.113.9',
    userAgent: 'test',
    requestId: `req-${i}`,
  };
}

interface Spec {
  userId: string;
  action: AuditAction;
  resourceType: ResourceType;
  resourceId: string | null;
  outcome: Outcome;
  time: Date;
  details?: Record<string, unknown>;
}

/** `count` varied events, one minute apart from `start`. */
function specs(count: number, start = START): Spec[] {
  return Array.from({ length: count }, (_, i) => ({
    userId: USERS[i % USERS.length]!,
    action: ACTIONS[i % ACTIONS.length]!,
    resourceType: RESOURCES[i % ACTIONS.length]!,
    resourceId: i % ACTIONS.length < 3 ? POD_IDS[i % 2]! : newId(),
    outcome: (i % 7 === 0 ? 'denied' : 'success') as Outcome,
    time: new Date(new Date(start).getTime() + i * 60_000),
    details: { i, note: 'a "quoted", comma\nnewline' },
  }));
}

async function seed(gantry: TestGantry, accountId: string, list: Spec[]): Promise<void> {
  await gantry.deps.db.transaction().execute(async (trx) => {
    for (const [i, s] of list.entries()) {
      // Synthetic events of any shape: the typed details are bypassed on purpose.
      await writeAuditEvent(trx, contextOf(s.userId, i), s.time, {
        accountId,
        action: s.action,
        resource: { type: s.resourceType, id: s.resourceId },
        outcome: s.outcome,
        details: s.details ?? {},
      } as unknown as AuditEventInput);
    }
  });
}

type Filters = Record<string, string>;

function matches(row: AuditEventRow, f: Filters): boolean {
  if (f.from && row.time < new Date(f.from).toISOString()) return false;
  if (f.to && row.time >= new Date(f.to).toISOString()) return false;
  if (f.userId && row.actor_user_id !== f.userId) return false;
  if (f.action?.endsWith('.*') && !row.action.startsWith(f.action.slice(0, -1))) return false;
  if (f.action && !f.action.endsWith('.*') && row.action !== f.action) return false;
  if (f.excludeAction?.endsWith('.*') && row.action.startsWith(f.excludeAction.slice(0, -1)))
    return false;
  if (f.excludeAction && row.action === f.excludeAction) return false;
  if (f.resourceType && row.resource_type !== f.resourceType) return false;
  if (f.resourceId && row.resource_id !== f.resourceId) return false;
  if (f.outcome && row.outcome !== f.outcome) return false;
  return true;
}

async function allPages(user: TestUser, accountId: string, filters: Filters, limit = 7) {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 100; guard += 1) {
    const query = new URLSearchParams({ ...filters, limit: String(limit) });
    if (cursor) query.set('cursor', cursor);
    const response = await user.request({
      method: 'GET',
      url: `/api/v1/accounts/${accountId}/audit-logs?${query}`,
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    ids.push(...body.items.map((e: { id: string }) => e.id));
    cursor = body.nextCursor;
    if (!cursor) return ids;
  }
  throw new Error('too many pages');
}

describe.each(DIALECTS)('audit logs on %s', (dialect) => {
  let gantry: TestGantry;
  let admin: TestUser;
  let accountId: string;
  const clock = new ManualClock(START);

  beforeAll(async () => {
    // A low retention floor, so retention can be exercised on a short seeded history.
    gantry = await startTestGantry(dialect, { GANTRY_AUDIT_MIN_RETENTION_DAYS: '30' }, { clock });
    admin = await signUp(gantry.app, { name: 'Ada' });
    accountId = admin.account.id;
    await seed(gantry, accountId, specs(60));
  });
  afterAll(() => gantry.close());

  const url = (id: string, rest = '') => `/api/v1/accounts/${id}/audit-logs${rest}`;

  it('answers the documented event object, newest first', async () => {
    const response = await admin.request({ method: 'GET', url: url(accountId, '?limit=2') });
    expect(response.statusCode).toBe(200);
    const [first, second] = response.json().items;
    expect(first.seq).toBeGreaterThan(second.seq);
    expect(first).toMatchObject({
      accountId,
      actor: { type: expect.any(String), userId: expect.any(String), email: expect.any(String) },
      resource: { type: expect.any(String) },
      ip: '203.0.113.9',
      userAgent: 'test',
      details: { note: 'a "quoted", comma\nnewline' },
    });
    expect(Object.keys(first).sort()).toEqual(
      [
        'id',
        'seq',
        'time',
        'accountId',
        'actor',
        'action',
        'resource',
        'outcome',
        'ip',
        'userAgent',
        'requestId',
        'details',
      ].sort(),
    );
  });

  const FILTERS: Filters[] = [
    {},
    { from: '2026-03-01T00:10:00Z' },
    { to: '2026-03-01T00:10:00Z' },
    { from: '2026-03-01T00:10:00Z', to: '2026-03-01T00:30:00Z' },
    { from: '2026-03-01T02:10:00+02:00', to: '2026-03-02' },
    { from: '2026-03-01', to: '2026-03-02' },
    { from: '2030-01-01T00:00:00Z' },
    { userId: USERS[1]! },
    { action: 'pod.stop' },
    { action: 'pod.*' },
    { action: 'member.*' },
    { action: 'po.*' },
    { excludeAction: 'pod.stop' },
    { excludeAction: 'pod.*' },
    { excludeAction: 'billing.update', userId: USERS[1]! },
    { resourceType: 'pod' },
    { resourceType: 'pod', resourceId: POD_IDS[0]! },
    { resourceId: POD_IDS[1]! },
    { outcome: 'denied' },
    { userId: USERS[0]!, action: 'pod.create' },
    {
      userId: USERS[2]!,
      action: 'pod.*',
      from: '2026-03-01T00:05:00Z',
      to: '2026-03-01T00:50:00Z',
    },
    { userId: USERS[0]!, resourceType: 'pod', resourceId: POD_IDS[0]!, outcome: 'success' },
  ];

  it.each(FILTERS)('filters %j and pages every event exactly once', async (filters) => {
    const rows = await auditEvents(gantry, accountId);
    const expected = rows
      .filter((r) => matches(r, filters))
      .map((r) => r.id)
      .reverse();
    const ids = await allPages(admin, accountId, filters);
    expect(ids).toEqual(expected);
    // `po.*` matches whole segments only (not pod.*); 2030 is in the future: both empty.
    if (!filters.from?.startsWith('2030') && filters.action !== 'po.*') {
      expect(expected.length).toBeGreaterThan(0);
    }
  });

  it('pages every event exactly once while new events arrive between pages', async () => {
    const user = await signUp(gantry.app);
    const id = user.account.id;
    await seed(gantry, id, specs(25, '2026-04-01T00:00:00Z'));
    const before = (await auditEvents(gantry, id)).map((r) => r.id).reverse();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await user.request({ method: 'GET', url: url(id, query) });
      seen.push(...page.json().items.map((e: { id: string }) => e.id));
      cursor = page.json().nextCursor;
      await seed(gantry, id, specs(2, '2026-04-02T00:00:00Z'));
    } while (cursor);
    expect(seen).toEqual(before);
  });

  it('exports exactly what the query answers, as JSON Lines and as escaped CSV', async () => {
    const user = await signUp(gantry.app);
    const id = user.account.id;
    await seed(gantry, id, specs(30, '2026-04-01T00:00:00Z'));
    for (const filters of [{ action: 'pod.*' }, {}] as Filters[]) {
      const query = new URLSearchParams({ ...filters, format: 'jsonl' });
      const jsonl = await user.request({ method: 'GET', url: url(id, `/export?${query}`) });
      expect(jsonl.statusCode).toBe(200);
      expect(jsonl.headers['content-type']).toContain('application/x-ndjson');
      expect(jsonl.headers['content-disposition']).toMatch(
        new RegExp(`^attachment; filename="audit-${id}-\\d{4}-\\d{2}-\\d{2}\\.jsonl"$`),
      );
      const exported = jsonl.body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const page = await user.request({
        method: 'GET',
        url: url(id, `?limit=500&${new URLSearchParams(filters)}`),
      });
      expect(exported).toEqual(page.json().items);
    }
    // The export is itself audited, with its filters.
    const rows = await auditEvents(gantry, id);
    const exports = rows.filter((r) => r.action === 'audit.export');
    expect(exports).toHaveLength(2);
    expect(JSON.parse(exports[0]!.details)).toEqual({
      format: 'jsonl',
      filters: { action: 'pod.*' },
    });
    expect(exports[0]!.actor_user_id).toBe(user.user.id);

    const csv = await user.request({
      method: 'GET',
      url: url(id, '/export?format=csv&outcome=denied'),
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/filename="audit-.*\.csv"/);
    const lines = csv.body.split('\r\n');
    expect(lines[0]).toBe(
      'id,seq,time,accountId,actorType,actorId,actorUserId,actorEmail,action,resourceType,resourceId,outcome,ip,userAgent,requestId,details',
    );
    const denied = rows.filter((r) => r.outcome === 'denied').reverse();
    expect(csv.body).toContain(`${denied[0]!.id},${denied[0]!.seq},`);
    // Details hold quotes, a comma and a newline: one quoted cell, quotes doubled.
    expect(csv.body).toContain('"{""i"":');
    expect(csv.body).toContain('comma\\nnewline""}"');
    expect(lines.filter((l) => /^[0-9a-f]{8}-/.test(l))).toHaveLength(denied.length);
  });

  it('escapes CSV cells and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(null)).toBe('');
    expect(csvCell(12)).toBe('12');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe(`"'+1"`);
    expect(csvCell('-1')).toBe(`"'-1"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
  });

  it('quotes CSV cells with a semicolon or tab, and formulas after leading spaces', () => {
    // A semicolon is the separator in many locales: `a;=2+2` would be two cells, one a formula.
    expect(csvCell('a;=2+2')).toBe('"a;=2+2"');
    expect(csvCell('a\tb')).toBe('"a\tb"');
    expect(csvCell('\t=1')).toBe(`"'\t=1"`);
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
    // Spreadsheets skip leading spaces before they look for a formula.
    expect(csvCell('  =cmd|x')).toBe(`"'  =cmd|x"`);
    expect(csvCell(' +1')).toBe(`"' +1"`);
    expect(csvCell(' -1')).toBe(`"' -1"`);
    expect(csvCell(' @x')).toBe(`"' @x"`);
    // Every formula cell is quoted, so a locale that splits on `;` still sees one cell.
    expect(csvCell('=1;2')).toBe(`"'=1;2"`);
    expect(csvCell(' a = b')).toBe(' a = b');
    expect(csvCell('a-b')).toBe('a-b');
  });

  it('refuses bad input with a code and writes nothing', async () => {
    const page = await admin.request({ method: 'GET', url: url(accountId, '?limit=1') });
    const cursor: string = page.json().nextCursor;
    const [payload, mac] = cursor.split('.');
    const forged = `${Buffer.from(JSON.stringify({ s: 999999 })).toString('base64url')}.${mac}`;
    const before = (await auditEvents(gantry, accountId)).length;
    const cases: Array<[string, number, string]> = [
      ['?from=yesterday', 400, 'invalid_input'],
      ['?from=2026-13-01', 400, 'invalid_input'],
      ['?from=2026-02-30T00:00:00Z', 400, 'invalid_input'],
      ['?to=2026-01-01T25:00:00Z', 400, 'invalid_input'],
      ['?from=2026-03-02&to=2026-03-01', 400, 'invalid_input'],
      ['?user=x', 400, 'invalid_input'],
      ['?userId=not-a-uuid', 400, 'invalid_input'],
      ['?action=POD', 400, 'invalid_input'],
      ['?action=pod.*.*', 400, 'invalid_input'],
      ['?resourceType=planet', 400, 'invalid_input'],
      ['?outcome=maybe', 400, 'invalid_input'],
      ['?limit=0', 400, 'invalid_input'],
      ['?limit=501', 400, 'invalid_input'],
      ['?limit=ten', 400, 'invalid_input'],
      ['?cursor=garbage', 400, 'invalid_cursor'],
      ['?cursor=a.b.c', 400, 'invalid_cursor'],
      [`?cursor=${forged}`, 400, 'invalid_cursor'],
      [`?cursor=${payload}.${mac?.slice(0, -2)}xx`, 400, 'invalid_cursor'],
      ['/export?format=xml', 400, 'invalid_input'],
      ['/export?format=csv&from=2026-03-02&to=2026-03-01', 400, 'invalid_input'],
      ['/export?limit=5', 400, 'invalid_input'],
      ['/verify?x=1', 400, 'invalid_input'],
    ];
    for (const [rest, status, code] of cases) {
      const response = await admin.request({ method: 'GET', url: url(accountId, rest) });
      expect(response.statusCode, `${rest}: ${response.body}`).toBe(status);
      if (code) expect(response.json().error.code, rest).toBe(code);
    }
    // None of them wrote an event (verify takes no query: `?x=1` is refused too).
    expect(await auditEvents(gantry, accountId)).toHaveLength(before);
    // A cursor of another account is refused there.
    const other = await signUp(gantry.app);
    const cross = await other.request({
      method: 'GET',
      url: url(other.account.id, `?cursor=${cursor}`),
    });
    expect(cross.json().error.code).toBe('invalid_cursor');
  });

  it('answers 401 signed out, 404 on another account, 403 and a denied event to a non-Admin', async () => {
    const stranger = await signUp(gantry.app);
    const paths = ['', '/export', '/verify', '/actors', '/settings'];
    for (const rest of paths) {
      const anonymous = await gantry.app.inject({ method: 'GET', url: url(accountId, rest) });
      expect(anonymous.statusCode).toBe(401);
      const other = await stranger.request({ method: 'GET', url: url(accountId, rest) });
      expect(other.statusCode, rest).toBe(404);
      expect(other.json().error.code).toBe('not_found');
    }
    const patch = await stranger.request({
      method: 'PATCH',
      url: url(accountId, '/settings'),
      payload: { retentionDays: 1 },
    });
    expect(patch.statusCode).toBe(404);

    // A Dev member of the account may not read its audit log.
    const dev = await signUp(gantry.app);
    await gantry.deps.db
      .insertInto('memberships')
      .values({ account_id: accountId, user_id: dev.user.id, role: 'dev', created_at: START })
      .execute();
    const before = (await auditEvents(gantry, accountId)).length;
    for (const rest of paths) {
      const response = await dev.request({ method: 'GET', url: url(accountId, rest) });
      expect(response.statusCode, rest).toBe(403);
      expect(response.json().error.code).toBe('forbidden');
    }
    const denied = (await auditEvents(gantry, accountId)).slice(before);
    expect(denied.map((e) => [e.action, e.outcome, e.actor_user_id])).toEqual([
      ['audit.view', 'denied', dev.user.id],
      ['audit.export', 'denied', dev.user.id],
      ['audit.verify', 'denied', dev.user.id],
      ['audit.view', 'denied', dev.user.id],
      ['audit.view', 'denied', dev.user.id],
    ]);
    await gantry.deps.db
      .deleteFrom('memberships')
      .where('user_id', '=', dev.user.id)
      .where('account_id', '=', accountId)
      .execute();
  });

  it('lists current and former members who appear in the log', async () => {
    const response = await admin.request({ method: 'GET', url: url(accountId, '/actors') });
    expect(response.statusCode).toBe(200);
    const items: Array<{ userId: string; isMember: boolean; email: string; name: string | null }> =
      response.json().items;
    const me = items.find((a) => a.userId === admin.user.id);
    expect(me).toMatchObject({ isMember: true, name: 'Ada', email: admin.user.email });
    for (const userId of USERS) {
      expect(items.find((a) => a.userId === userId)).toMatchObject({
        isMember: false,
        name: null,
        email: `${userId}@example.com`,
      });
    }
  });

  it('verifies the chain through the API and records the verification at its end', async () => {
    const response = await admin.request({ method: 'GET', url: url(accountId, '/verify') });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ ok: true, firstBrokenId: null, reason: null });
    expect(response.json().checked).toBeGreaterThan(60);
    const last = (await auditEvents(gantry, accountId)).at(-1);
    expect(last).toMatchObject({ action: 'audit.verify', outcome: 'success' });
    expect(await verifyAuditChain(gantry.deps.db, accountId, 7)).toMatchObject({ ok: true });
  });

  describe('tampering', () => {
    async function freshChain(count = 20) {
      const user = await signUp(gantry.app);
      await seed(gantry, user.account.id, specs(count, '2026-04-01T00:00:00Z'));
      const rows = await auditEvents(gantry, user.account.id);
      expect((await verifyAuditChain(gantry.deps.db, user.account.id, 6)).ok).toBe(true);
      return { user, id: user.account.id, rows };
    }

    it('detects an edited event at that event', async () => {
      const { user, id, rows } = await freshChain();
      const target = rows[9]!;
      await gantry.deps.db
        .updateTable('audit_events')
        .set({ actor_email: 'someone-else@example.com' })
        .where('id', '=', target.id)
        .execute();
      expect(await verifyAuditChain(gantry.deps.db, id, 6)).toMatchObject({
        ok: false,
        firstBrokenId: target.id,
        firstBrokenSeq: 10,
        reason: 'hash_mismatch',
      });
      const api = await user.request({ method: 'GET', url: url(id, '/verify') });
      expect(api.json()).toMatchObject({ ok: false, firstBrokenId: target.id });
      expect((await auditEvents(gantry, id)).at(-1)).toMatchObject({
        action: 'audit.verify',
        outcome: 'failure',
      });
    });

    it('detects a deleted event at the one after it', async () => {
      const { id, rows } = await freshChain();
      await gantry.deps.db.deleteFrom('audit_events').where('id', '=', rows[4]!.id).execute();
      expect(await verifyAuditChain(gantry.deps.db, id, 6)).toMatchObject({
        ok: false,
        firstBrokenId: rows[5]!.id,
        reason: 'seq_gap',
      });
    });

    it('detects a deleted first event and deleted newest events', async () => {
      const first = await freshChain(5);
      await gantry.deps.db.deleteFrom('audit_events').where('id', '=', first.rows[0]!.id).execute();
      expect(await verifyAuditChain(gantry.deps.db, first.id)).toMatchObject({
        ok: false,
        firstBrokenId: first.rows[1]!.id,
      });
      const tail = await freshChain(5);
      await gantry.deps.db
        .deleteFrom('audit_events')
        .where('id', '=', tail.rows.at(-1)!.id)
        .execute();
      expect(await verifyAuditChain(gantry.deps.db, tail.id)).toMatchObject({
        ok: false,
        reason: 'missing_tail',
        firstBrokenSeq: tail.rows.length,
      });
    });

    it('detects reordered events (seqs swapped) at the first moved one', async () => {
      const { id, rows } = await freshChain();
      const [a, b] = [rows[11]!, rows[12]!];
      const db = gantry.deps.db;
      await db.updateTable('audit_events').set({ seq: -1 }).where('id', '=', a.id).execute();
      await db.updateTable('audit_events').set({ seq: a.seq }).where('id', '=', b.id).execute();
      await db.updateTable('audit_events').set({ seq: b.seq }).where('id', '=', a.id).execute();
      expect(await verifyAuditChain(db, id, 6)).toMatchObject({
        ok: false,
        firstBrokenId: b.id,
        firstBrokenSeq: a.seq,
      });
    });

    it('detects an event re-hashed after editing, at the next link', async () => {
      const { id, rows } = await freshChain();
      await gantry.deps.db
        .updateTable('audit_events')
        .set({ hash: 'f'.repeat(64) })
        .where('id', '=', rows[3]!.id)
        .execute();
      const result = await verifyAuditChain(gantry.deps.db, id, 6);
      expect(result.firstBrokenId).toBe(rows[3]!.id);
    });
  });

  it('keeps the chain whole under 50 concurrent writers on one account', async () => {
    const user = await signUp(gantry.app);
    const id = user.account.id;
    const ctx = contextOf(user.user.id, 0);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        gantry.deps.db.transaction().execute(async (trx) => {
          await writeAuditEvent(trx, ctx, new Date(Date.UTC(2026, 3, 1, 0, 0, 50 - i)), {
            accountId: id,
            action: 'pod.start',
            resource: { type: 'pod', id: newId() },
            details: { name: 'p', before: { status: 'exited' }, after: { status: 'starting' } },
          });
        }),
      ),
    );
    const rows = await auditEvents(gantry, id);
    // Sign-up wrote account.create and the welcome billing.credit.
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 52 }, (_, i) => i + 1));
    // Times never go backwards along the chain, even when writers' clocks did.
    const times = rows.map((r) => r.time);
    expect([...times].sort()).toEqual(times);
    expect(await verifyAuditChain(gantry.deps.db, id, 8)).toMatchObject({ ok: true, checked: 52 });
  });

  it('keeps retention settings, prunes in batches with a checkpoint, and still verifies', async () => {
    clock.set('2026-01-01T00:00:00.000Z');
    const user = await signUp(gantry.app);
    const id = user.account.id;
    await seed(gantry, id, specs(25, '2026-01-01T00:00:00Z'));
    await seed(gantry, id, specs(5, '2026-03-30T00:00:00Z'));
    clock.set('2026-04-01T00:00:00.000Z');
    // The session from January has expired by April: sign in again.
    const login = await gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.user.email, password: PASSWORD },
    });
    user.request = asCookie(gantry.app, cookieFrom(login));

    const initial = await user.request({ method: 'GET', url: url(id, '/settings') });
    expect(initial.json()).toEqual({
      retentionDays: null,
      minRetentionDays: 30,
      maxRetentionDays: null,
      effectiveRetentionDays: null,
      pendingRetentionDays: null,
      pendingEffectiveAt: null,
      updatedAt: null,
    });
    expect(await pruneAuditEvents(gantry.deps)).toEqual([]);

    const bad = [
      { retentionDays: 0 },
      { retentionDays: 29 },
      { retentionDays: 'x' },
      { retentionDays: 30, extra: 1 },
      {},
    ];
    for (const payload of bad) {
      const response = await user.request({ method: 'PATCH', url: url(id, '/settings'), payload });
      expect(response.statusCode).toBe(400);
    }
    const set = await user.request({
      method: 'PATCH',
      url: url(id, '/settings'),
      payload: { retentionDays: 30 },
    });
    expect(set.statusCode).toBe(200);
    // Shorter than forever: pending for 7 days, nothing pruned meanwhile.
    expect(set.json()).toMatchObject({
      retentionDays: null,
      effectiveRetentionDays: null,
      pendingRetentionDays: 30,
      pendingEffectiveAt: '2026-04-08T00:00:00.000Z',
    });
    const update = (await auditEvents(gantry, id)).at(-1);
    expect(update).toMatchObject({ action: 'audit.settings_update', actor_user_id: user.user.id });
    expect(JSON.parse(update!.details)).toEqual({
      before: { retentionDays: null },
      after: { retentionDays: 30 },
      effectiveAt: '2026-04-08T00:00:00.000Z',
    });
    expect(await pruneAuditEvents(gantry.deps, clock.now(), { accountId: id })).toEqual([]);
    clock.set('2026-04-08T00:00:00.000Z');
    // A week idle: the session has expired; sign in again.
    const again = await gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.user.email, password: PASSWORD },
    });
    user.request = asCookie(gantry.app, cookieFrom(again));
    expect((await user.request({ method: 'GET', url: url(id, '/settings') })).json()).toMatchObject(
      { retentionDays: 30, effectiveRetentionDays: 30, pendingRetentionDays: null },
    );

    const rows = await auditEvents(gantry, id);
    const old = rows.filter((r) => r.time < '2026-03-02T00:00:00.000Z');
    expect(old.length).toBe(27); // account.create, the welcome billing.credit + 25 seeded
    const [result] = await pruneAuditEvents(gantry.deps, clock.now(), {
      accountId: id,
      batchSize: 7,
    });
    expect(result).toMatchObject({ accountId: id, deleted: 27, throughSeq: 27, retentionDays: 30 });
    const remaining = await auditEvents(gantry, id);
    expect(remaining[0]?.seq).toBe(28);
    expect(remaining.at(-1)).toMatchObject({ action: 'audit.prune', actor_type: 'system' });
    const checkpoints = await gantry.deps.db
      .selectFrom('audit_checkpoints')
      .selectAll()
      .where('account_id', '=', id)
      .orderBy('seq')
      .execute();
    expect(checkpoints.map((c) => Number(c.seq))).toEqual([7, 14, 21, 27]);
    expect(checkpoints.at(-1)?.hash).toBe(old.at(-1)?.hash);
    expect(await verifyAuditChain(gantry.deps.db, id, 4)).toMatchObject({
      ok: true,
      startedAfterSeq: 27,
    });
    // Deleting the first event after the checkpoint is still detected.
    await gantry.deps.db.deleteFrom('audit_events').where('id', '=', remaining[0]!.id).execute();
    expect(await verifyAuditChain(gantry.deps.db, id)).toMatchObject({
      ok: false,
      firstBrokenId: remaining[1]!.id,
    });
    clock.set(START);
  });

  it('goes through the service function the route calls', async () => {
    const caller: Caller = {
      principal: {
        kind: 'session',
        userId: admin.user.id,
        email: admin.user.email,
        name: 'Ada',
        sessionId: '',
      },
      ip: null,
      userAgent: null,
      requestId: null,
    };
    const page = await listAuditEvents(gantry.deps, caller, accountId, {
      userId: USERS[0],
      limit: 3,
    });
    expect(page.items).toHaveLength(3);
    expect(page.items.every((e) => e.actor.userId === USERS[0])).toBe(true);
  });

  it('serves each filter shape from an index range in seq order', async () => {
    // Plans are checked on a realistic shape: the page query with every kind of filter.
    if (dialect !== 'sqlite') return;
    const explain = async (where: string) => {
      const plan = await sql<{ detail: string }>`explain query plan ${sql.raw(
        `select * from audit_events where account_id = 'a' and ${where} order by seq desc limit 51`,
      )}`.execute(gantry.deps.db);
      return plan.rows.map((r) => r.detail).join(' | ');
    };
    expect(await explain("actor_user_id = 'u'")).toMatch(/audit_account_user_(action_)?idx/);
    expect(await explain("actor_user_id = 'u' and action = 'pod.stop'")).toMatch(
      /audit_account_user_action_idx/,
    );
    expect(await explain("action = 'pod.stop'")).toMatch(/audit_account_action_idx/);
    expect(await explain("resource_type = 'pod' and resource_id = 'p'")).toMatch(
      /audit_account_resource_idx/,
    );
    for (const where of ["actor_user_id = 'u'", "action = 'pod.stop'", 'seq > 1']) {
      expect(await explain(where)).not.toMatch(/TEMP B-TREE/);
    }
  });
});
