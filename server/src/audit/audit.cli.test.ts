import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGantry } from '../../test/cli.js';
import {
  auditEvents,
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { EXIT } from '../cli/exit-codes.js';
import { ManualClock } from '../lib/clock.js';

describe.each(DIALECTS)('gantry audit (operator commands, in process) on %s', (dialect) => {
  let gantry: TestGantry;
  let dataDir: string;
  const clock = new ManualClock(new Date());
  /** `gantry …` as the operator runs it, on this test's database. */
  const gantryCli = (...args: string[]) => runGantry(args, { HOME: dataDir }, gantry.deps);
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-cli-'));
    gantry = await startTestGantry(dialect, {}, { clock });
  });
  afterAll(async () => {
    await gantry.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('verifies every account, exports one, and exits 7 naming the first broken link', async () => {
    const a = await signUp(gantry.app);
    const b = await signUp(gantry.app);
    await a.request({
      method: 'PATCH',
      url: `/api/v1/accounts/${a.account.id}/audit-logs/settings`,
      payload: { retentionDays: 90 },
    });
    const ok = await gantryCli('audit', 'verify');
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.stdout).toContain('2 account(s) checked, 0 broken');

    const file = join(dataDir, 'out.jsonl');
    const exported = await gantryCli(
      'audit',
      'export',
      '--account',
      a.account.id,
      '--format',
      'jsonl',
      '--output',
      file,
    );
    expect(exported.code, exported.stderr).toBe(EXIT.ok);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.action)).toEqual([
      'audit.export',
      'audit.settings_update',
      'billing.credit',
      'account.create',
    ]);
    expect(lines[0].actor.type).toBe('operator');

    const bad = await gantryCli('audit', 'export', '--account', a.account.id, '--from', 'x');
    expect(bad.code).toBe(EXIT.usage);
    // Past the option parser, the filters are checked against the route's own query schema.
    const badUser = await gantryCli(
      'audit',
      'export',
      '--account',
      a.account.id,
      '--user',
      'not-a-user-id',
    );
    expect(badUser.code).toBe(EXIT.usage);
    expect(badUser.stderr).toContain(
      '--user must be an id such as 01900000-0000-7000-8000-000000000000',
    );

    const toStdout = await gantryCli('audit', 'export', '--account', b.account.id);
    expect(toStdout.code, toStdout.stderr).toBe(EXIT.ok);
    expect(
      toStdout.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).action),
    ).toEqual(['audit.export', 'billing.credit', 'account.create']);
    const unknown = await gantryCli('audit', 'export', '--account', b.user.id);
    expect(unknown.code).toBe(EXIT.notFound);
    expect(unknown.stderr).toContain(`No account ${b.user.id}`);

    // A shorter retention than "forever" applies seven days after it is set.
    clock.advance(8 * 24 * 3600 * 1000);
    const pruned = await gantryCli('audit', 'prune');
    expect(pruned.code, pruned.stderr).toBe(EXIT.ok);
    expect(pruned.stdout).toContain('1 account(s) with a retention period');

    const rows = await auditEvents(gantry, b.account.id);
    await gantry.deps.db
      .updateTable('audit_events')
      .set({ details: '{}' })
      .where('id', '=', rows[0]!.id)
      .execute();
    const broken = await gantryCli('audit', 'verify');
    expect(broken.code).toBe(EXIT.brokenChain);
    expect(broken.stdout).toContain(
      `BROKEN  ${b.account.id}  first broken link at seq 1 (event ${rows[0]!.id})`,
    );
    const one = await gantryCli('audit', 'verify', '--account', a.account.id);
    expect(one.code).toBe(EXIT.ok);
  });
});
