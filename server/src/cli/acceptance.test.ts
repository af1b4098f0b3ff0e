// The command line end to end: the `gantry` program (run in this process, as
// bin/gantry.mjs runs it; cli.test.ts spawns the binary once) against a Gantry served
// over HTTP by this test (SQLite, and PostgreSQL when TEST_DATABASE_URL is set), with
// Pods on the real local runtime.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGantry } from '../../test/cli.js';
import { asApiKey, buildApiKey } from '../../test/factories.js';
import {
  auditEvents,
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { accept, buildTeam, type TestTeam } from '../../test/teams.js';
import { createPodAs, waitForStatus } from '../pods/pods.fixtures.js';
import { processExists, waitFor } from '../pods/runtime/test-helpers.js';
import { EXIT } from './exit-codes.js';

interface ExportedEvent {
  id: string;
  action: string;
  actor: { type: string; id: string | null; userId: string | null };
  resource: { type: string; id: string | null };
  outcome: string;
}

// Pods start and stop on the real local runtime: more than the default per-test budget on 2
// busy cores.
describe.each(DIALECTS)('gantry command line end to end on %s', { timeout: 90_000 }, (dialect) => {
  let gantry: TestGantry;
  let url: string;
  let home: string;
  /** Owner (Admin), then a Dev and a second Admin, all joined by invite. */
  let team: TestTeam;
  let base: string;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
    url = await gantry.app.listen({ port: 0, host: '127.0.0.1' });
    home = mkdtempSync(join(tmpdir(), 'gantry-cli-e2e-'));
    team = await buildTeam(gantry, ['dev', 'admin']);
    base = `/api/v1/accounts/${team.accountId}`;
  });
  afterAll(async () => {
    await gantry?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const dev = () => team.members[0]!;
  const admin = () => team.members[1]!;
  const envOf = (secret: string) => ({ HOME: home, GANTRY_URL: url, GANTRY_API_KEY: secret });
  // Which Pods there are (their status moves on by itself while a Pod starts).
  const podRows = () =>
    gantry.deps.db
      .selectFrom('pods')
      .select(['id'])
      .where('account_id', '=', team.accountId)
      .orderBy('id')
      .execute();
  const terminate = (podId: string) =>
    team.owner.request({ method: 'DELETE', url: `${base}/pods/${podId}` });

  it('a read-only key lists Pods and exports the audit log, but cannot create a Pod', async () => {
    const key = await buildApiKey(team.owner, team.accountId, { name: 'report', readOnly: true });
    const pod = await createPodAs(dev(), team.accountId, { name: 'listed pod' });
    try {
      const env = envOf(key.secret);
      const list = await runGantry(['pods', 'list'], env);
      expect(list.stderr).toBe('');
      expect(list.code).toBe(EXIT.ok);
      expect(list.stdout).toMatch(/^ID\s+NAME\s+STATUS/);
      expect(list.stdout).toContain('listed pod');
      const json = await runGantry(['pods', 'list', '--json'], env);
      expect(json.code).toBe(EXIT.ok);
      expect(JSON.parse(json.stdout).map((p: { id: string }) => p.id)).toContain(pod.id);

      const file = join(home, 'audit.jsonl');
      const exported = await runGantry(['audit', 'export', '--output', file], env);
      expect(exported.code, exported.stderr).toBe(EXIT.ok);
      const events = readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as ExportedEvent);
      expect(exported.stderr).toContain(`Exported ${events.length} events`);
      expect(exported.stderr).toContain(file);
      expect(exported.stdout).toBe('');
      const actions = events.map((e) => e.action);
      for (const action of ['account.convert', 'invite.create', 'invite.accept', 'apikey.create']) {
        expect(actions).toContain(action);
      }
      expect(events).toContainEqual(
        expect.objectContaining({
          action: 'pod.create',
          resource: { type: 'pod', id: pod.id },
          actor: expect.objectContaining({ type: 'user', userId: dev().user.id }),
          outcome: 'success',
        }),
      );
      // Exactly the account's events up to the export's own audit.export event, newest
      // first: that event comes first and names the key as its actor.
      const stored = await auditEvents(gantry, team.accountId);
      const exportEvent = stored.find((e) => e.id === events[0]?.id);
      expect(exportEvent).toMatchObject({
        action: 'audit.export',
        actor_type: 'apikey',
        actor_id: key.id,
        actor_user_id: team.owner.user.id,
      });
      expect(events.map((e) => e.id)).toEqual(
        stored
          .filter((e) => Number(e.seq) <= Number(exportEvent?.seq))
          .map((e) => e.id)
          .reverse(),
      );

      const filtered = await runGantry(
        ['audit', 'export', '--format', 'csv', '--action', 'pod.*'],
        env,
      );
      expect(filtered.code).toBe(EXIT.ok);
      const rows = filtered.stdout.trimEnd().split('\r\n');
      expect(rows[0]).toMatch(/^id,/);
      expect(rows.slice(1).every((row) => row.includes(',pod.'))).toBe(true);
      expect(rows.some((row) => row.includes(pod.id))).toBe(true);
      expect(filtered.stderr).toContain(`Exported ${rows.length - 1} events`);

      const before = await podRows();
      const create = await runGantry(
        ['pods', 'create', '--name', 'nope', '--gpu-type', 'a100-80gb', '--template', 'hello-web'],
        env,
      );
      expect(create.code).toBe(EXIT.forbidden);
      expect(create.stderr).toContain('read_only_key');
      expect(create.stderr).not.toContain(key.secret);
      expect(await podRows()).toEqual(before);
      const denied = (await auditEvents(gantry, team.accountId)).at(-1);
      expect(denied).toMatchObject({
        action: 'pod.create',
        outcome: 'denied',
        actor_type: 'apikey',
        actor_id: key.id,
      });
    } finally {
      await terminate(pod.id);
    }
  });

  it("a Dev's key cannot touch billing but creates, connects to and stops a real Pod", async () => {
    const key = await buildApiKey(dev(), team.accountId, { name: 'dev laptop' });
    const bearer = asApiKey(gantry.app, key.secret);
    for (const [method, path] of [
      ['GET', '/billing'],
      ['GET', '/billing/transactions'],
      ['GET', '/billing/usage'],
    ] as const) {
      const response = await bearer({ method, url: `${base}${path}` });
      expect(response.statusCode, path).toBe(403);
      expect(response.json().error.code).toBe('forbidden');
    }
    const patch = await bearer({
      method: 'PATCH',
      url: `${base}/billing`,
      payload: { spendLimit: '1000.00' },
    });
    expect(patch.statusCode).toBe(403);
    const billing = await team.owner.request({ method: 'GET', url: `${base}/billing` });
    expect(billing.json().spendLimit).toBe('80.000000');

    const env = envOf(key.secret);
    const created = await runGantry(
      [
        'pods',
        'create',
        '--name',
        'cli pod',
        '--gpu-type',
        'a100-80gb',
        '--template',
        'hello-web',
        '--json',
      ],
      env,
    );
    expect(created.code, created.stderr).toBe(EXIT.ok);
    const pod = JSON.parse(created.stdout);
    try {
      expect(pod).toMatchObject({ name: 'cli pod', createdBy: dev().user.id });
      await waitForStatus(dev(), team.accountId, pod.id, 'running');
      const pid = (await gantry.deps.runtime.status(pod.id)).pid ?? 0;
      expect(processExists(pid)).toBe(true);

      const connect = await runGantry(['pods', 'connect', pod.id], env);
      expect(connect.code, connect.stderr).toBe(EXIT.ok);
      const podUrl = new URL(connect.stdout.trim().split('\n')[0]!);
      const page = await fetch(`${url}${podUrl.pathname}`, {
        headers: { authorization: `Bearer ${key.secret}` },
      });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(pod.id);

      const stopped = await runGantry(['pods', 'stop', pod.id], env);
      expect(stopped.code, stopped.stderr).toBe(EXIT.ok);
      expect(stopped.stdout).toBe(`Pod cli pod (${pod.id}) is exited\n`);
      await waitFor(() => !processExists(pid));

      const events = (await auditEvents(gantry, team.accountId)).filter(
        (e) => e.resource_id === pod.id && ['pod.create', 'pod.stop'].includes(e.action),
      );
      expect(events.map((e) => [e.action, e.actor_type, e.actor_id, e.actor_user_id])).toEqual([
        ['pod.create', 'apikey', key.id, dev().user.id],
        ['pod.stop', 'apikey', key.id, dev().user.id],
      ]);
    } finally {
      await terminate(pod.id);
    }
  });

  it('a revoked key stops working on its very next command', async () => {
    const key = await buildApiKey(dev(), team.accountId, { name: 'to revoke' });
    const env = envOf(key.secret);
    const before = await runGantry(['pods', 'list', '--json'], env);
    expect(before.code, before.stderr).toBe(EXIT.ok);
    const revoked = await dev().request({
      method: 'DELETE',
      url: `${base}/api-keys/${key.id}`,
    });
    expect(revoked.statusCode).toBeLessThan(300);
    const after = await runGantry(['pods', 'list', '--json'], env);
    expect(after.code).toBe(EXIT.auth);
    expect(after.stdout).toBe('');
    expect(after.stderr).toContain('invalid_api_key');
  });

  it("an Admin's key lists members and creates, lists and revokes invites", async () => {
    const key = await buildApiKey(admin(), team.accountId, { name: 'admin script' });
    const env = envOf(key.secret);

    const members = await runGantry(['members', 'list'], env);
    expect(members.code, members.stderr).toBe(EXIT.ok);
    for (const user of [team.owner, dev(), admin()]) {
      expect(members.stdout).toContain(user.user.email);
    }
    const membersJson = await runGantry(['members', 'list', '--json'], env);
    expect(
      JSON.parse(membersJson.stdout).map((m: { userId: string; role: string }) => [
        m.userId,
        m.role,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [team.owner.user.id, 'admin'],
        [dev().user.id, 'dev'],
        [admin().user.id, 'admin'],
      ]),
    );

    const created = await runGantry(
      ['invites', 'create', '--role', 'billing', '--max-uses', '2', '--json'],
      env,
    );
    expect(created.code, created.stderr).toBe(EXIT.ok);
    const invite = JSON.parse(created.stdout);
    expect(invite).toMatchObject({ role: 'billing', maxUses: 2, createdBy: admin().user.id });
    const token = String(invite.url).split('/invite/')[1]!;

    const listed = await runGantry(['invites', 'list'], env);
    expect(listed.code).toBe(EXIT.ok);
    expect(listed.stdout).toContain(invite.id);
    expect(listed.stdout).toContain(invite.url);

    const revoked = await runGantry(['invites', 'revoke', invite.id], env);
    expect(revoked.code, revoked.stderr).toBe(EXIT.ok);
    expect(revoked.stdout).toBe(`Revoked invite ${invite.id}\n`);
    const after = await runGantry(['invites', 'list', '--json'], env);
    expect(JSON.parse(after.stdout).map((i: { id: string }) => i.id)).not.toContain(invite.id);
    expect((await accept(await signUp(gantry.app), token)).statusCode).toBe(410);
    const again = await runGantry(['invites', 'revoke', invite.id], env);
    expect(again.code).not.toBe(EXIT.ok);

    const actors = (await auditEvents(gantry, team.accountId))
      .filter((e) => e.resource_id === invite.id)
      .map((e) => [e.action, e.actor_type, e.actor_id]);
    expect(actors).toEqual([
      ['invite.create', 'apikey', key.id],
      ['invite.revoke', 'apikey', key.id],
    ]);

    // The same commands with a Dev's key are refused (members.manage).
    const devKey = await buildApiKey(dev(), team.accountId, { name: 'dev tries' });
    const devInvite = await runGantry(
      ['invites', 'create', '--role', 'admin'],
      envOf(devKey.secret),
    );
    expect(devInvite.code).toBe(EXIT.forbidden);
    // Every member reads the member list (read-only); changing it needs members.manage.
    const devMembers = await runGantry(['members', 'list'], envOf(devKey.secret));
    expect(devMembers.code).toBe(EXIT.ok);
  });
});
