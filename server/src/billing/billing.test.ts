import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  captureOperatorIo,
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
} from '../../test/harness.js';
import { insertMembership } from '../accounts/accounts.store.js';
import { operatorContext } from '../audit/audit.events.js';
import { EXIT } from '../cli/exit-codes.js';
import { ManualClock } from '../lib/clock.js';
import { registerBillingCommands, runCreditCommand } from './billing.cli.js';
import { findBillingAccount, sumLedger } from './billing.store.js';
import { operatorProvider, recordCredit } from './payments.js';

const UNKNOWN_ACCOUNT = '01900000-0000-7000-8000-000000000000';

/** A team account (made one directly: teams are another module) with one member per role. */
async function teamWithRoles(gantry: TestGantry) {
  const admin = await signUp(gantry.app, { name: 'Owner' });
  const accountId = admin.account.id;
  await gantry.deps.db
    .updateTable('accounts')
    .set({ kind: 'team' })
    .where('id', '=', accountId)
    .execute();
  const members: Record<'billing' | 'basic' | 'dev', TestUser> = {} as never;
  for (const role of ['billing', 'basic', 'dev'] as const) {
    const user = await signUp(gantry.app, { name: role });
    await insertMembership(gantry.deps.db, {
      account_id: accountId,
      user_id: user.user.id,
      role,
      created_at: new Date().toISOString(),
    });
    members[role] = user;
  }
  const outsider = await signUp(gantry.app, { name: 'Outsider' });
  return { accountId, admin, ...members, outsider };
}

async function expectBalanceIsLedgerSum(gantry: TestGantry, accountId: string) {
  const row = await findBillingAccount(gantry.deps.db, accountId);
  expect(Number(row?.balance)).toBe(await sumLedger(gantry.deps.db, accountId));
  return Number(row?.balance);
}

describe.each(DIALECTS)('billing on %s', (dialect) => {
  let gantry: TestGantry;
  let team: Awaited<ReturnType<typeof teamWithRoles>>;
  const clock = new ManualClock('2026-03-10T12:00:00.000Z');
  beforeAll(async () => {
    gantry = await startTestGantry(dialect, {}, { clock });
    team = await teamWithRoles(gantry);
  });
  afterAll(() => gantry?.close());

  const url = (accountId: string, path = '') => `/api/v1/accounts/${accountId}/billing${path}`;

  it('grants the welcome credit at sign-up, as a ledger credit audited by the system', async () => {
    const user = await signUp(gantry.app);
    const response = await user.request({ method: 'GET', url: url(user.account.id) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      accountId: user.account.id,
      currency: 'USD',
      balance: '25.000000',
      currentSpendPerHour: '0.000000',
      spendLimit: '80.000000',
      lowBalanceThreshold: '5.000000',
      lowBalance: false,
      runwaySeconds: null,
      profile: { billingEmail: null, countryCode: null },
    });
    const txs = await user.request({ method: 'GET', url: url(user.account.id, '/transactions') });
    expect(txs.json().items).toMatchObject([
      { kind: 'credit', amount: '25.000000', balanceAfter: '25.000000', provider: 'welcome' },
    ]);
    const events = await auditEvents(gantry, user.account.id);
    expect(events.find((e) => e.action === 'billing.credit')).toMatchObject({
      actor_type: 'system',
      resource_type: 'billing',
      resource_id: user.account.id,
    });
    await expectBalanceIsLedgerSum(gantry, user.account.id);
  });

  it('gives no welcome credit when GANTRY_WELCOME_CREDIT is 0', async () => {
    const bare = await startTestGantry('sqlite', { GANTRY_WELCOME_CREDIT: '0' });
    try {
      const user = await signUp(bare.app);
      const response = await user.request({ method: 'GET', url: url(user.account.id) });
      expect(response.json()).toMatchObject({ balance: '0.000000', lowBalance: true });
      const events = await auditEvents(bare, user.account.id);
      expect(events.map((e) => e.action)).toEqual(['account.create']);
    } finally {
      await bare.close();
    }
  });

  it('lets Billing and Admin see and manage billing; Basic and Dev get 403, outsiders 404', async () => {
    for (const who of [team.admin, team.billing]) {
      expect((await who.request({ method: 'GET', url: url(team.accountId) })).statusCode).toBe(200);
      for (const path of ['/transactions', '/usage', '/statements', '/statements/2026-03']) {
        const r = await who.request({ method: 'GET', url: url(team.accountId, path) });
        expect(r.statusCode, path).toBe(200);
      }
      const patch = await who.request({
        method: 'PATCH',
        url: url(team.accountId),
        payload: { companyName: `Set by ${who.user.name}` },
      });
      expect(patch.statusCode).toBe(200);
      expect(patch.json().profile.companyName).toBe(`Set by ${who.user.name}`);
    }
    for (const who of [team.basic, team.dev]) {
      for (const path of ['', '/transactions', '/usage', '/statements', '/statements/2026-03']) {
        const r = await who.request({ method: 'GET', url: url(team.accountId, path) });
        expect(r.statusCode, path).toBe(403);
        expect(r.json().error.code).toBe('forbidden');
      }
      const patch = await who.request({
        method: 'PATCH',
        url: url(team.accountId),
        payload: { companyName: 'Nope' },
      });
      expect(patch.statusCode).toBe(403);
    }
    for (const path of ['', '/transactions', '/usage', '/statements', '/statements/2026-03']) {
      const r = await team.outsider.request({ method: 'GET', url: url(team.accountId, path) });
      expect(r.statusCode, path).toBe(404);
    }
    const anonymous = await gantry.app.inject({ method: 'GET', url: url(team.accountId) });
    expect(anonymous.statusCode).toBe(401);
    const malformed = await team.admin.request({ method: 'GET', url: url('not-an-id') });
    expect(malformed.statusCode).toBe(400);

    const events = await auditEvents(gantry, team.accountId);
    const denied = events.filter((e) => e.outcome === 'denied');
    expect(denied.some((e) => e.action === 'billing.update')).toBe(true);
    expect(denied.some((e) => e.action === 'billing.view')).toBe(true);
    expect(
      events.filter((e) => e.action === 'billing.update' && e.outcome === 'success'),
    ).toHaveLength(2);
    const row = await findBillingAccount(gantry.deps.db, team.accountId);
    expect(row?.company_name).toBe('Set by billing');
  });

  it('updates the profile and limits, audited with before and after', async () => {
    const user = await signUp(gantry.app);
    const response = await user.request({
      method: 'PATCH',
      url: url(user.account.id),
      payload: {
        billingEmail: 'invoices@example.com',
        companyName: 'Ada Compute GmbH',
        address: 'Hauptstraße 1\n10115 Berlin',
        countryCode: 'de',
        taxId: 'DE 123456789',
        spendLimit: '120.5',
        lowBalanceThreshold: '30',
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      spendLimit: '120.500000',
      lowBalanceThreshold: '30.000000',
      lowBalance: true,
      profile: {
        billingEmail: 'invoices@example.com',
        companyName: 'Ada Compute GmbH',
        address: 'Hauptstraße 1\n10115 Berlin',
        countryCode: 'DE',
        taxId: 'DE 123456789',
      },
    });
    const events = await auditEvents(gantry, user.account.id);
    const update = events.find((e) => e.action === 'billing.update');
    expect(JSON.parse(update?.details ?? '{}')).toEqual({
      before: {
        billing_email: null,
        company_name: null,
        address: null,
        country_code: null,
        tax_id: null,
        spend_limit_per_hour: '80.000000',
        low_balance_threshold: '5.000000',
      },
      after: {
        billing_email: 'invoices@example.com',
        company_name: 'Ada Compute GmbH',
        address: 'Hauptstraße 1\n10115 Berlin',
        country_code: 'DE',
        tax_id: 'DE 123456789',
        spend_limit_per_hour: '120.500000',
        low_balance_threshold: '30.000000',
      },
    });
    const cleared = await user.request({
      method: 'PATCH',
      url: url(user.account.id),
      payload: { taxId: null, companyName: null },
    });
    expect(cleared.json().profile).toMatchObject({ taxId: null, companyName: null });
  });

  it('refuses bad billing input with a 400 naming the field, writing nothing', async () => {
    const user = await signUp(gantry.app);
    const before = await findBillingAccount(gantry.deps.db, user.account.id);
    const eventsBefore = (await auditEvents(gantry, user.account.id)).length;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ spendLimit: '-5' }, /spendLimit must be more than 0/],
      [{ spendLimit: '0' }, /spendLimit must be more than 0/],
      [{ spendLimit: '10.1234567' }, /spendLimit must have at most 6 decimals/],
      [{ spendLimit: '10000.000001' }, /spendLimit must be at most 10000\.000000/],
      [{ spendLimit: '1e3' }, /spendLimit must be a decimal amount/],
      [{ spendLimit: 50 }, /spendLimit/],
      [{ spendLimit: '99999999999999999999' }, /spendLimit/],
      [{ lowBalanceThreshold: '-1' }, /lowBalanceThreshold must be at least 0/],
      [{ lowBalanceThreshold: '1000000.000001' }, /lowBalanceThreshold must be at most/],
      [{ countryCode: 'XX' }, /countryCode must be an ISO 3166-1/],
      [{ countryCode: 'EU' }, /countryCode must be an ISO 3166-1/],
      [{ countryCode: 'DEU' }, /countryCode/],
      [{ billingEmail: 'not-an-email' }, /billingEmail must be a valid email/],
      [{ taxId: '<script>' }, /taxId/],
      [{ companyName: 'a\u0007b' }, /companyName/],
      [{ balance: '1000' }, /unknown field "balance"/],
      [{}, /at least one field/],
    ];
    for (const [payload, message] of cases) {
      const response = await user.request({ method: 'PATCH', url: url(user.account.id), payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe('invalid_input');
      expect(response.json().error.message, JSON.stringify(payload)).toMatch(message);
    }
    expect(await findBillingAccount(gantry.deps.db, user.account.id)).toEqual(before);
    expect(await auditEvents(gantry, user.account.id)).toHaveLength(eventsBefore);
  });

  it('pages transactions with a cursor and filters by kind and time', async () => {
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    const start = clock.now().getTime();
    for (let i = 1; i <= 5; i += 1) {
      clock.advance(60_000);
      await recordCredit(gantry.deps, operatorContext('ops'), 'operator', {
        accountId,
        amountMicro: i * 1_000_000,
        note: `credit ${i}`,
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await user.request({
        method: 'GET',
        url: url(accountId, `/transactions${query}`),
      });
      expect(page.statusCode).toBe(200);
      const body = page.json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((t: { note: string }) => t.note));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([
      'credit 5',
      'credit 4',
      'credit 3',
      'credit 2',
      'credit 1',
      'Welcome credit',
    ]);

    const from = new Date(start + 90_000).toISOString();
    const to = new Date(start + 210_000).toISOString();
    const ranged = await user.request({
      method: 'GET',
      url: url(accountId, `/transactions?kind=credit&from=${from}&to=${to}`),
    });
    expect(ranged.json().items.map((t: { note: string }) => t.note)).toEqual([
      'credit 3',
      'credit 2',
    ]);
    const usage = await user.request({
      method: 'GET',
      url: url(accountId, '/transactions?kind=usage'),
    });
    expect(usage.json()).toEqual({ items: [], nextCursor: null });

    for (const query of [
      '?kind=bonus',
      '?limit=0',
      '?limit=500',
      '?from=yesterday',
      '?cursor=%%%',
      `?from=${to}&to=${from}`,
    ]) {
      const bad = await user.request({
        method: 'GET',
        url: url(accountId, `/transactions${query}`),
      });
      expect(bad.statusCode, query).toBe(400);
    }
    const badCursor = await user.request({
      method: 'GET',
      url: url(accountId, '/transactions?cursor=abc'),
    });
    expect(badCursor.json().error.code).toBe('invalid_cursor');
    expect(await expectBalanceIsLedgerSum(gantry, accountId)).toBe(40_000_000);
  });

  it('keeps balance equal to the ledger sum under concurrent credits', async () => {
    const user = await signUp(gantry.app);
    const amounts = Array.from({ length: 20 }, (_, i) => 1_000_001 + i * 333_333);
    await Promise.all(
      amounts.map((amountMicro) =>
        recordCredit(gantry.deps, operatorContext('ops'), 'operator', {
          accountId: user.account.id,
          amountMicro,
        }),
      ),
    );
    const balance = await expectBalanceIsLedgerSum(gantry, user.account.id);
    expect(balance).toBe(25_000_000 + amounts.reduce((a, b) => a + b, 0));
    // Every balance_after is distinct and the last one is the balance: no lost update.
    const rows = await gantry.deps.db
      .selectFrom('billing_transactions')
      .select('balance_after')
      .where('account_id', '=', user.account.id)
      .orderBy('id')
      .execute();
    expect(new Set(rows.map((r) => Number(r.balance_after))).size).toBe(21);
    expect(Math.max(...rows.map((r) => Number(r.balance_after)))).toBe(balance);
  });

  it('refuses to edit or delete ledger transactions', async () => {
    const user = await signUp(gantry.app);
    await expect(
      gantry.deps.db
        .updateTable('billing_transactions')
        .set({ amount: 1 })
        .where('account_id', '=', user.account.id)
        .execute(),
    ).rejects.toThrow(/immutable/);
    await expect(
      gantry.deps.db
        .deleteFrom('billing_transactions')
        .where('account_id', '=', user.account.id)
        .execute(),
    ).rejects.toThrow(/immutable/);
  });

  it('credits through `gantry billing credit`, audited as the operator', async () => {
    const user = await signUp(gantry.app);
    const { io, sink } = captureOperatorIo();
    const code = await runCreditCommand(
      gantry.deps,
      { accountId: user.account.id, amount: '12.345678', note: 'Invoice 42 paid' },
      sink,
    );
    expect(code).toBe(0);
    expect(io.out).toMatch(/Credited 12\.345678 USD .* balance 37\.345678/);
    const events = await auditEvents(gantry, user.account.id);
    expect(events.at(-1)).toMatchObject({
      action: 'billing.credit',
      actor_type: 'operator',
      outcome: 'success',
    });
    expect(JSON.parse(events.at(-1)?.details ?? '{}')).toMatchObject({
      amount: '12.345678',
      provider: 'operator',
      note: 'Invoice 42 paid',
    });
    expect(operatorProvider.name).toBe('operator');
    expect(await expectBalanceIsLedgerSum(gantry, user.account.id)).toBe(37_345_678);
  });

  it('refuses bad credits with a clear error and non-zero exit, writing nothing', async () => {
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    const eventsBefore = (await auditEvents(gantry, accountId)).length;
    const cases: Array<[string, string, RegExp, number]> = [
      [accountId, '-5', /must be more than 0/, 2],
      [accountId, '0', /must be more than 0/, 2],
      [accountId, '1.0000001', /at most 6 decimals/, 2],
      [accountId, '1000000.000001', /more than 1000000\.000000/, 2],
      [accountId, '99999999999999999', /too large/, 2],
      [accountId, 'ten', /decimal amount/, 2],
      [accountId, 'NaN', /decimal amount/, 2],
      [UNKNOWN_ACCOUNT, '10', /No account with id/, EXIT.notFound],
      ['nonsense', '10', /No account with id/, EXIT.notFound],
    ];
    for (const [id, amount, message, exitCode] of cases) {
      const { io, sink } = captureOperatorIo();
      const code = await runCreditCommand(gantry.deps, { accountId: id, amount }, sink);
      expect(code, amount).toBe(exitCode);
      expect(io.err, amount).toMatch(message);
      expect(io.out).toBe('');
    }
    const { sink } = captureOperatorIo();
    expect(
      await runCreditCommand(gantry.deps, { accountId, amount: '1', note: 'bad\u0000note' }, sink),
    ).toBe(2);
    expect(await auditEvents(gantry, accountId)).toHaveLength(eventsBefore);
    expect(await expectBalanceIsLedgerSum(gantry, accountId)).toBe(25_000_000);
  });

  it('wires `billing credit` into the command line program', async () => {
    const user = await signUp(gantry.app);
    const { io, sink } = captureOperatorIo();
    const exits: number[] = [];
    const program = new Command('gantry').exitOverride();
    registerBillingCommands(program, {
      open: async () => ({ deps: gantry.deps, close: async () => {} }),
      io: sink,
      exit: (code) => void exits.push(code),
    });
    await program.parseAsync(['billing', 'credit', user.account.id, '5.5', '--note', 'Top-up'], {
      from: 'user',
    });
    expect(io.out).toMatch(/Credited 5\.500000/);
    await program.parseAsync(['billing', 'credit', user.account.id, '-1'], { from: 'user' });
    expect(exits).toEqual([2]);
    const rows = await gantry.deps.db
      .selectFrom('billing_transactions')
      .select(['note', 'actor_type'])
      .where('account_id', '=', user.account.id)
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { note: 'Welcome credit', actor_type: 'system' },
      { note: 'Top-up', actor_type: 'operator' },
    ]);
  });

  it('lists monthly statements and downloads one as JSON and CSV', async () => {
    clock.set('2026-03-31T12:00:00.000Z');
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    clock.set('2026-04-02T08:00:00.000Z');
    await recordCredit(gantry.deps, operatorContext('ops'), 'operator', {
      accountId,
      amountMicro: 10_500_000,
      note: '=HYPERLINK("x")',
    });
    clock.set('2026-04-05T00:00:00.000Z');
    const list = await user.request({ method: 'GET', url: url(accountId, '/statements') });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toMatchObject([
      {
        month: '2026-04',
        openingBalance: '25.000000',
        credits: '10.500000',
        closingBalance: '35.500000',
      },
      {
        month: '2026-03',
        openingBalance: '0.000000',
        credits: '25.000000',
        closingBalance: '25.000000',
      },
    ]);

    const json = await user.request({ method: 'GET', url: url(accountId, '/statements/2026-04') });
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-disposition']).toBe(
      `attachment; filename="gantry-statement-${accountId}-2026-04.json"`,
    );
    expect(json.json()).toMatchObject({
      month: '2026-04',
      openingBalance: '25.000000',
      closingBalance: '35.500000',
      transactions: [{ kind: 'credit', amount: '10.500000' }],
    });
    const csv = await user.request({
      method: 'GET',
      url: url(accountId, '/statements/2026-04?format=csv'),
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/2026-04\.csv"$/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toMatch(/^time,id,kind,amount,balance_after/);
    expect(lines[1]).toContain(',credit,10.500000,35.500000,USD,');
    expect(lines[1]).toContain(`"'=HYPERLINK(""x"")"`);

    for (const bad of ['2026-13', '26-04', '2026-4']) {
      const r = await user.request({ method: 'GET', url: url(accountId, `/statements/${bad}`) });
      expect(r.statusCode, bad).toBe(400);
    }
    const format = await user.request({
      method: 'GET',
      url: url(accountId, '/statements/2026-04?format=pdf'),
    });
    expect(format.statusCode).toBe(400);
    const future = await user.request({
      method: 'GET',
      url: url(accountId, '/statements/2026-06'),
    });
    expect(future.statusCode).toBe(404);
    clock.set('2026-03-10T12:00:00.000Z');
  });

  it('validates the usage range', async () => {
    clock.set('2026-03-10T12:00:00.000Z');
    const user = await signUp(gantry.app);
    const ok = await user.request({ method: 'GET', url: url(user.account.id, '/usage') });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ total: '0.000000', byPod: [] });
    expect(ok.json().byDay).toHaveLength(30);
    for (const query of [
      '?from=2026-03-10T00:00:00Z&to=2026-03-01T00:00:00Z',
      '?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      '?from=soon',
      '?extra=1',
    ]) {
      const r = await user.request({ method: 'GET', url: url(user.account.id, `/usage${query}`) });
      expect(r.statusCode, query).toBe(400);
    }
  });
});

describe.each(DIALECTS)('billing on a fresh %s server', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry?.close());

  // Regression: the first billing request of a process being a PATCH used to probe the
  // pods table on the pool from inside its transaction, which never returns on SQLite.
  it('answers a PATCH that is the first billing request of the process', async () => {
    const user = await signUp(gantry.app);
    const patched = await user.request({
      method: 'PATCH',
      url: `/api/v1/accounts/${user.account.id}/billing`,
      payload: { companyName: 'First Co' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      currentSpendPerHour: '0.000000',
      profile: { companyName: 'First Co' },
    });
  }, 10_000);
});
