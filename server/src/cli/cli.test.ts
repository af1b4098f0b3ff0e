import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGantry, spawnGantry } from '../../test/cli.js';
import { buildApiKey, buildMember } from '../../test/factories.js';
import { DIALECTS, signUp, startTestGantry, type TestGantry } from '../../test/harness.js';
import { buildTeam } from '../../test/teams.js';
import { exitCodeOfStatus } from './client.js';
import { EXIT } from './exit-codes.js';
import { formatTable } from './output.js';

describe('cli output', () => {
  it('aligns table columns and maps HTTP statuses to exit codes', () => {
    const table = formatTable(
      [
        ['NAME', (r: { n: string; v: number | null }) => r.n],
        ['VALUE', (r) => r.v],
      ],
      [
        { n: 'a', v: 1 },
        { n: 'longer', v: null },
      ],
    );
    expect(table).toBe('NAME    VALUE\na       1\nlonger  -\n');
    expect([401, 403, 404, 409, 410, 400, 500].map(exitCodeOfStatus)).toEqual([
      EXIT.auth,
      EXIT.forbidden,
      EXIT.notFound,
      EXIT.conflict,
      EXIT.conflict,
      EXIT.usage,
      EXIT.failure,
    ]);
  });
});

describe.each(DIALECTS)('gantry command line on %s', (dialect) => {
  let gantry: TestGantry;
  let url: string;
  let home: string;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
    url = await gantry.app.listen({ port: 0, host: '127.0.0.1' });
    home = mkdtempSync(join(tmpdir(), 'gantry-cli-'));
  });
  afterAll(async () => {
    await gantry.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('logs in with a key, saves it owner-only, and shows who it is', async () => {
    const user = await signUp(gantry.app, { name: 'Cli User' });
    const key = await buildApiKey(user, user.account.id, { readOnly: true });
    const env = { HOME: home };
    const login = await runGantry(['login', '--url', `${url}/`, '--key', key.secret], env);
    expect(login.stderr).toBe('');
    expect(login.code).toBe(EXIT.ok);
    expect(login.stdout).toContain(user.user.email);
    const configPath = join(home, '.config', 'gantry', 'config.json');
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(configPath, 'utf8'))).toEqual({ url, apiKey: key.secret });

    const whoami = await runGantry(['whoami', '--json'], env);
    expect(whoami.code).toBe(EXIT.ok);
    expect(JSON.parse(whoami.stdout)).toMatchObject({
      user: { id: user.user.id, email: user.user.email },
      account: { id: user.account.id },
      role: 'admin',
    });
    expect(whoami.stdout).not.toContain(key.secret);
  });

  it('exits 3 for a bad or revoked key and saves nothing, 2 for usage errors', async () => {
    const user = await signUp(gantry.app);
    const key = await buildApiKey(user, user.account.id);
    await user.request({
      method: 'DELETE',
      url: `/api/v1/accounts/${user.account.id}/api-keys/${key.id}`,
    });
    const emptyHome = mkdtempSync(join(tmpdir(), 'gantry-cli-'));
    try {
      const revoked = await runGantry(['whoami'], {
        HOME: emptyHome,
        GANTRY_URL: url,
        GANTRY_API_KEY: key.secret,
      });
      expect(revoked.code).toBe(EXIT.auth);
      expect(revoked.stderr).toContain('invalid_api_key');
      expect(revoked.stderr).not.toContain(key.secret);

      const login = await runGantry(['login', '--url', url, '--key', `${key.secret}x`], {
        HOME: emptyHome,
      });
      expect(login.code).toBe(EXIT.auth);
      expect(existsSync(join(emptyHome, '.config', 'gantry', 'config.json'))).toBe(false);

      const notAKey = await runGantry(['login', '--url', url, '--key', 'hunter2'], {
        HOME: emptyHome,
      });
      expect(notAKey.code).toBe(EXIT.usage);
      const notConfigured = await runGantry(['pods', 'list'], { HOME: emptyHome });
      expect(notConfigured.code).toBe(EXIT.usage);
      expect(notConfigured.stderr).toContain('gantry login');
      const badOption = await runGantry(['invites', 'create', '--role', 'owner'], {
        HOME: emptyHome,
      });
      expect(badOption.code).toBe(EXIT.usage);
      const help = await runGantry(['audit', 'export', '--help'], { HOME: emptyHome });
      expect(help.code).toBe(EXIT.ok);
      expect(help.stdout).toContain('--resource-type');
      const unreachable = await runGantry(['whoami'], {
        HOME: emptyHome,
        GANTRY_URL: 'http://127.0.0.1:9',
        GANTRY_API_KEY: key.secret,
      });
      expect(unreachable.code).toBe(EXIT.failure);
      expect(unreachable.stderr).toContain('Cannot reach');
    } finally {
      rmSync(emptyHome, { recursive: true, force: true });
    }
  });

  it('lists, disables and revokes keys with tables, --json and exit codes 4 and 5', async () => {
    const { owner } = await buildTeam(gantry);
    const team = owner.account.id;
    const dev = await buildMember(gantry, team, 'dev');
    const devKey = await buildApiKey(dev, team, { name: 'dev laptop' });
    const ownerKey = await buildApiKey(owner, team, { name: 'admin script' });
    const readOnly = await buildApiKey(owner, team, { name: 'reporting', readOnly: true });
    const asOwner = { HOME: home, GANTRY_URL: url, GANTRY_API_KEY: ownerKey.secret };

    const table = await runGantry(['keys', 'list'], asOwner);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+PREFIX\s+ACCESS\s+STATE/);
    expect(table.stdout).toContain('dev laptop');
    expect(table.stdout).toContain('read-only');
    const json = await runGantry(['keys', 'list', '--json'], asOwner);
    expect(JSON.parse(json.stdout)).toHaveLength(3);

    const asDev = { HOME: home, GANTRY_URL: url, GANTRY_API_KEY: devKey.secret };
    const forbidden = await runGantry(['keys', 'disable', ownerKey.id], asDev);
    expect(forbidden.code).toBe(EXIT.forbidden);
    expect(forbidden.stderr).toContain('403 forbidden');
    const asReadOnly = { HOME: home, GANTRY_URL: url, GANTRY_API_KEY: readOnly.secret };
    const readOnlyWrite = await runGantry(['keys', 'revoke', devKey.id], asReadOnly);
    expect(readOnlyWrite.code).toBe(EXIT.forbidden);
    expect(readOnlyWrite.stderr).toContain('read_only_key');
    const missing = await runGantry(
      ['keys', 'revoke', '01900000-0000-7000-8000-000000000000'],
      asOwner,
    );
    expect(missing.code).toBe(EXIT.notFound);

    const disabled = await runGantry(['keys', 'disable', devKey.id, '--json'], asOwner);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ id: devKey.id, disabled: true });
    expect((await runGantry(['keys', 'list'], asDev)).code).toBe(EXIT.auth);
    const revoked = await runGantry(['keys', 'revoke', devKey.id], asOwner);
    expect(revoked.code).toBe(0);
  });
});

describe('the gantry binary', () => {
  let gantry: TestGantry;
  let url: string;
  let home: string;
  beforeAll(async () => {
    gantry = await startTestGantry('sqlite');
    url = await gantry.app.listen({ port: 0, host: '127.0.0.1' });
    home = mkdtempSync(join(tmpdir(), 'gantry-cli-'));
  });
  afterAll(async () => {
    await gantry.close();
    rmSync(home, { recursive: true, force: true });
  });

  // The one spawned run here: bin/gantry.mjs starts (tsx) and main.ts wires the program. Every
  // other case runs the same program in process (acceptance.test.ts spawns the journey).
  it('runs a command in its own process', async () => {
    const user = await signUp(gantry.app, { name: 'Spawned' });
    const key = await buildApiKey(user, user.account.id, { readOnly: true });
    const whoami = await spawnGantry(['whoami', '--json'], {
      HOME: home,
      GANTRY_URL: url,
      GANTRY_API_KEY: key.secret,
    });
    expect(whoami.stderr).toBe('');
    expect(whoami.code).toBe(EXIT.ok);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ user: { id: user.user.id } });
  });
});
