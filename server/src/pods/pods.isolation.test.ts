/**
 * How the local driver's isolation shows through Gantry: `/readyz` details, user env refused
 * where no sandbox can be made, and one local-driver instance per database.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase, startTestGantry } from '../../test/harness.js';
import { openDatabase } from '../db/database.js';
import { createLogger } from '../lib/logger.js';
import { buildPodTeam, podBody } from './pods.fixtures.js';
import { LocalDriver } from './runtime/local-driver.js';

describe.each(DIALECTS)('local driver isolation on %s', (dialect) => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('/readyz says Pods are sandboxed and this instance is the only one', async () => {
    const gantry = await startTestGantry(dialect);
    try {
      const ready = await gantry.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({
        status: 'ready',
        details: {
          runtime: { driver: 'local', sandboxed: true, singleInstance: true, userEnv: true },
        },
      });
    } finally {
      await gantry.close();
    }
  });

  it('without a sandbox: /readyz says why, and any user env is 400 env_not_allowed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-nosandbox-'));
    dirs.push(dataDir);
    const runtime = new LocalDriver({ dataDir, bwrap: join(dataDir, 'bwrap-is-not-here') });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const gantry = await startTestGantry(
      dialect,
      {},
      { runtime, logger: createLogger('info', sink) },
    );
    try {
      // Said at start, as a warning naming the reason.
      const warning = lines.map((l) => JSON.parse(l)).find((l) => /WITHOUT a sandbox/.test(l.msg));
      expect(warning).toMatchObject({
        level: 40,
        runtime: 'local',
        sandboxed: false,
        reason: expect.stringMatching(/bubblewrap is not installed/),
      });
      const ready = (await gantry.app.inject({ url: '/readyz' })).json();
      expect(ready.details.runtime).toMatchObject({
        driver: 'local',
        sandboxed: false,
        singleInstance: true,
        userEnv: false,
        reason: expect.stringMatching(/bubblewrap is not installed/),
      });
      const team = await buildPodTeam(gantry);
      const base = `/api/v1/accounts/${team.accountId}/pods`;
      const refused = await team.dev.request({
        method: 'POST',
        url: base,
        payload: podBody({ env: { MESSAGE: 'declared, but no sandbox' } }),
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toMatchObject({
        code: 'env_not_allowed',
        message: expect.stringMatching(/^body\/env MESSAGE cannot be set: .*without a sandbox/),
      });
      const listed = await team.dev.request({ method: 'GET', url: base });
      expect(listed.json().items).toEqual([]);
      // Without env it still runs (on the host's loopback, as before).
      const created = await team.dev.request({ method: 'POST', url: base, payload: podBody() });
      expect(created.statusCode).toBe(201);
    } finally {
      await gantry.close();
    }
  });

  it('lets the next instance start once the lease holder is killed with SIGKILL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-lease-kill-'));
    dirs.push(dataDir);
    const database =
      dialect === 'sqlite' ? openDatabase({ dataDir }) : await openTestDatabase(dialect);
    try {
      // Another process takes the lease on the same database and is killed hard.
      const script = fileURLToPath(
        new URL('./runtime/__fixtures__/lease-holder.ts', import.meta.url),
      );
      const holder = spawn(
        process.execPath,
        ['--import', 'tsx', script, dataDir, database.pgSchema ?? ''],
        {
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
          env: {
            ...process.env,
            LEASE_DATABASE_URL: dialect === 'postgres' ? (process.env.TEST_DATABASE_URL ?? '') : '',
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const held = await new Promise<string>((resolve) => {
        let out = '';
        holder.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        holder.once('exit', () => resolve(out.trim()));
      });
      expect(held).toBe('held');
      const shared = { ...database, close: async () => {} };
      await expect(startTestGantry(dialect, {}, { database: shared })).rejects.toThrow(
        /another Gantry instance already runs the local runtime driver/,
      );
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
      // The kernel (SQLite's file lock) or PostgreSQL (the session's advisory lock) let go.
      const next = await startTestGantry(dialect, {}, { database: shared });
      await next.close();
    } finally {
      await database.close();
    }
  });

  it('refuses a second local-driver instance on the same database, until the first stops', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-lease-'));
    dirs.push(dataDir);
    const database =
      dialect === 'sqlite' ? openDatabase({ dataDir }) : await openTestDatabase(dialect);
    const shared = { ...database, close: async () => {} };
    const first = await startTestGantry(dialect, {}, { database: shared });
    try {
      await expect(startTestGantry(dialect, {}, { database: shared })).rejects.toThrow(
        /another Gantry instance already runs the local runtime driver/,
      );
    } finally {
      await first.close();
    }
    const second = await startTestGantry(dialect, {}, { database: shared });
    await second.close();
    await database.close();
  });
});
