import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, signUp, startTestGantry, type TestGantry } from '../../test/harness.js';
import { openDatabase } from '../db/database.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/gantry.mjs');

async function gantryCli(dataDir: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run('node', [BIN, ...args], {
      env: { ...process.env, GANTRY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('gantry audit (operator CLI, SQLite file)', () => {
  let gantry: TestGantry;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-cli-'));
    gantry = await startTestGantry('sqlite', {}, { database: openDatabase({ dataDir }) });
  });
  afterAll(async () => {
    await gantry.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('verifies every account, exports one, and exits 3 naming the first broken link', async () => {
    const a = await signUp(gantry.app);
    const b = await signUp(gantry.app);
    await a.request({
      method: 'PATCH',
      url: `/api/v1/accounts/${a.account.id}/audit-logs/settings`,
      payload: { retentionDays: 90 },
    });
    const ok = await gantryCli(dataDir, 'audit', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('2 account(s) checked, 0 broken');

    const file = join(dataDir, 'out.jsonl');
    const exported = await gantryCli(
      dataDir,
      'audit',
      'export',
      '--account',
      a.account.id,
      '--format',
      'jsonl',
      '--output',
      file,
    );
    expect(exported.code, exported.stderr).toBe(0);
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

    const bad = await gantryCli(
      dataDir,
      'audit',
      'export',
      '--account',
      a.account.id,
      '--from',
      'x',
    );
    expect(bad.code).toBe(2);
    // Past the option parser, the filters are checked against the route's own query schema.
    const badUser = await gantryCli(
      dataDir,
      'audit',
      'export',
      '--account',
      a.account.id,
      '--user',
      'not-a-user-id',
    );
    expect(badUser.code).toBe(2);
    expect(badUser.stderr).toContain(
      '--user must be an id such as 01900000-0000-7000-8000-000000000000',
    );

    const rows = await auditEvents(gantry, b.account.id);
    await gantry.deps.db
      .updateTable('audit_events')
      .set({ details: '{}' })
      .where('id', '=', rows[0]!.id)
      .execute();
    const broken = await gantryCli(dataDir, 'audit', 'verify');
    expect(broken.code).toBe(3);
    expect(broken.stdout).toContain(
      `BROKEN  ${b.account.id}  first broken link at seq 1 (event ${rows[0]!.id})`,
    );
    const one = await gantryCli(dataDir, 'audit', 'verify', '--account', a.account.id);
    expect(one.code).toBe(0);
    // Six CLI processes, each loading every module through tsx (~3 s apiece on 2 cores).
  }, 120_000);
});
