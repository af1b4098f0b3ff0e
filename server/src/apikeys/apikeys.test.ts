import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asApiKey, buildApiKey, buildMember } from '../../test/factories.js';
import {
  auditEvents,
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { buildTeam } from '../../test/teams.js';
import { ManualClock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { createLogger } from '../lib/logger.js';
import { hashToken } from '../lib/secrets.js';
import { type PERMISSIONS, READ_PERMISSIONS, ROLES } from '../permissions/policy.js';
import { flushApiKeyUsage } from './apikeys.usage.js';

const DAY = 24 * 3600 * 1000;

describe.each(DIALECTS)('API keys on %s', (dialect) => {
  let gantry: TestGantry;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    gantry = await startTestGantry(dialect, {}, { clock });
  });
  afterAll(() => gantry.close());

  const keysUrl = (accountId: string) => `/api/v1/accounts/${accountId}/api-keys`;
  const countRows = async () => ({
    keys: (await gantry.deps.db.selectFrom('api_keys').select('id').execute()).length,
    events: (await gantry.deps.db.selectFrom('audit_events').select('id').execute()).length,
  });

  it('creates a key whose secret is shown once and stored only as a hash', async () => {
    const user = await signUp(gantry.app);
    const created = await user.request({
      method: 'POST',
      url: keysUrl(user.account.id),
      payload: { name: '  CI deploys ', readOnly: true },
    });
    expect(created.statusCode).toBe(201);
    const key = created.json();
    expect(key.secret).toMatch(/^gnt_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({
      name: 'CI deploys',
      prefix: key.secret.slice(0, 10),
      readOnly: true,
      createdBy: user.user.id,
      createdByEmail: user.user.email,
      lastUsedAt: null,
      expiresAt: null,
      disabled: false,
      expired: false,
    });

    const row = await gantry.deps.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(hashToken(key.secret));
    expect(JSON.stringify(row)).not.toContain(key.secret.slice(4));

    const list = await user.request({ method: 'GET', url: keysUrl(user.account.id) });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toHaveLength(1);
    expect(list.json().items[0]).toEqual({ ...key, secret: undefined, createdAt: key.createdAt });
    expect(list.body).not.toContain(key.secret.slice(4));

    const events = await auditEvents(gantry, user.account.id);
    const event = events.at(-1)!;
    expect(event).toMatchObject({
      action: 'apikey.create',
      resource_type: 'apikey',
      resource_id: key.id,
      actor_type: 'user',
      actor_user_id: user.user.id,
      outcome: 'success',
    });
    expect(JSON.parse(event.details).after).toMatchObject({ name: 'CI deploys', readOnly: true });
    expect(JSON.stringify(events)).not.toContain(key.secret.slice(4));
  });

  const at = (offsetMs: number) => new Date(clock.now().getTime() + offsetMs).toISOString();
  it.each<[string, () => Record<string, unknown>]>([
    ['a missing name', () => ({})],
    ['a blank name', () => ({ name: '   ' })],
    ['an over-long name', () => ({ name: 'n'.repeat(101) })],
    ['control characters', () => ({ name: 'a\u0007b' })],
    ['an unknown field', () => ({ name: 'k', scopes: ['all'] })],
    ['a non-boolean readOnly', () => ({ name: 'k', readOnly: 'yes' })],
    ['an expiry that is not a date', () => ({ name: 'k', expiresAt: 'tomorrow' })],
    ['an expiry in the past', () => ({ name: 'k', expiresAt: at(-DAY) })],
    ['an expiry of now', () => ({ name: 'k', expiresAt: at(0) })],
    ['an expiry over a year ahead', () => ({ name: 'k', expiresAt: at(400 * DAY) })],
  ])('answers 400 for %s and writes nothing', async (_case, payload) => {
    const user = await signUp(gantry.app);
    const before = await countRows();
    const response = await user.request({
      method: 'POST',
      url: keysUrl(user.account.id),
      payload: payload(),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_input');
    expect(await countRows()).toEqual(before);
  });

  it("authenticates through the whole role table, capped by the creator's current role", async () => {
    const { owner } = await buildTeam(gantry);
    const team = owner.account.id;
    for (const role of ROLES) {
      const member = await buildMember(gantry, team, role);
      const full = await buildApiKey(member, team, { name: `${role} key` });
      const readOnly = await buildApiKey(member, team, { name: `${role} ro`, readOnly: true });
      const session = (
        await member.request({ method: 'GET', url: `/api/v1/accounts/${team}` })
      ).json();
      const viaKey = await asApiKey(
        gantry.app,
        full.secret,
      )({
        method: 'GET',
        url: `/api/v1/accounts/${team}`,
      });
      expect(viaKey.statusCode).toBe(200);
      expect(viaKey.json()).toMatchObject({ id: team, role, isOwner: false, kind: 'team' });
      expect(viaKey.json().permissions).toEqual(session.permissions);
      const viaReadOnly = await asApiKey(
        gantry.app,
        readOnly.secret,
      )({
        method: 'GET',
        url: `/api/v1/accounts/${team}`,
      });
      expect(viaReadOnly.json().permissions).toEqual(
        session.permissions.filter((p: (typeof PERMISSIONS)[number]) => READ_PERMISSIONS.has(p)),
      );
      // Only apikeys.manage lists other members' keys.
      const listed = await asApiKey(gantry.app, full.secret)({ method: 'GET', url: keysUrl(team) });
      const creators = new Set(listed.json().items.map((k: { createdBy: string }) => k.createdBy));
      expect(creators.size > 1).toBe(role === 'admin');
    }
    const all = await owner.request({ method: 'GET', url: keysUrl(team) });
    expect(all.json().items).toHaveLength(ROLES.length * 2);
    expect(all.json().items[0]).toHaveProperty('createdByName');

    // The creator's role changes: the key follows at once.
    const dev = await buildMember(gantry, team, 'dev');
    const key = await buildApiKey(dev, team);
    const asKey = asApiKey(gantry.app, key.secret);
    expect(
      (await asKey({ method: 'GET', url: `/api/v1/accounts/${team}` })).json().permissions,
    ).toContain('pods.create');
    await gantry.deps.db
      .updateTable('memberships')
      .set({ role: 'billing' })
      .where('user_id', '=', dev.user.id)
      .execute();
    const after = (await asKey({ method: 'GET', url: `/api/v1/accounts/${team}` })).json();
    expect(after.role).toBe('billing');
    expect(after.permissions).not.toContain('pods.create');
    expect(after.permissions).toContain('billing.manage');
  });

  it('lets a key reach only its own account: /accounts lists it alone, others answer 404', async () => {
    const user = await signUp(gantry.app);
    const { owner } = await buildTeam(gantry);
    await gantry.deps.db
      .insertInto('memberships')
      .values({
        account_id: owner.account.id,
        user_id: user.user.id,
        role: 'admin',
        created_at: clock.now().toISOString(),
      })
      .execute();
    const key = await buildApiKey(user, user.account.id);
    const asKey = asApiKey(gantry.app, key.secret);
    const accounts = await asKey({ method: 'GET', url: '/api/v1/accounts' });
    expect(accounts.json().items.map((a: { id: string }) => a.id)).toEqual([user.account.id]);
    const me = await asKey({ method: 'GET', url: '/api/v1/me' });
    expect(me.json().memberships).toHaveLength(1);
    // A member of the other account through the session, but the key is for another account.
    const other = await asKey({ method: 'GET', url: `/api/v1/accounts/${owner.account.id}` });
    expect(other.statusCode).toBe(404);
    expect((await asKey({ method: 'GET', url: keysUrl(owner.account.id) })).statusCode).toBe(404);
    const stranger = await signUp(gantry.app);
    const foreign = await asKey({ method: 'GET', url: `/api/v1/accounts/${stranger.account.id}` });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toEqual(other.json());
  });

  it('refuses writes with a read-only key (403 read_only_key, audited with the key as actor)', async () => {
    const user = await signUp(gantry.app);
    const readOnly = await buildApiKey(user, user.account.id, { readOnly: true });
    const target = await buildApiKey(user, user.account.id);
    const before = await countRows();
    const asKey = asApiKey(gantry.app, readOnly.secret);
    const revoke = await asKey({
      method: 'DELETE',
      url: `${keysUrl(user.account.id)}/${target.id}`,
    });
    expect(revoke.statusCode).toBe(403);
    expect(revoke.json().error.code).toBe('read_only_key');
    const disable = await asKey({
      method: 'POST',
      url: `${keysUrl(user.account.id)}/${target.id}/disable`,
    });
    expect(disable.json().error.code).toBe('read_only_key');
    expect((await countRows()).keys).toBe(before.keys);
    const denied = (await auditEvents(gantry, user.account.id)).at(-1)!;
    expect(denied).toMatchObject({
      action: 'apikey.disable',
      outcome: 'denied',
      actor_type: 'apikey',
      actor_id: readOnly.id,
      actor_user_id: user.user.id,
      resource_id: target.id,
    });
    // Reads still work.
    expect((await asKey({ method: 'GET', url: keysUrl(user.account.id) })).statusCode).toBe(200);
  });

  it('lets a key disable and revoke keys, naming the key as the actor, but never create or enable one', async () => {
    const user = await signUp(gantry.app);
    const key = await buildApiKey(user, user.account.id);
    const other = await buildApiKey(user, user.account.id);
    const asKey = asApiKey(gantry.app, key.secret);
    const before = await countRows();
    const create = await asKey({
      method: 'POST',
      url: keysUrl(user.account.id),
      payload: { name: 'minted' },
    });
    expect(create.statusCode).toBe(403);
    expect(await countRows()).toEqual(before);

    const disabled = await asKey({
      method: 'POST',
      url: `${keysUrl(user.account.id)}/${other.id}/disable`,
    });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ id: other.id, disabled: true });
    const enable = await asKey({
      method: 'POST',
      url: `${keysUrl(user.account.id)}/${other.id}/enable`,
    });
    expect(enable.statusCode).toBe(403);
    const event = (await auditEvents(gantry, user.account.id)).at(-1)!;
    expect(event).toMatchObject({
      action: 'apikey.disable',
      outcome: 'success',
      actor_type: 'apikey',
      actor_id: key.id,
      actor_user_id: user.user.id,
      actor_email: user.user.email,
      resource_id: other.id,
    });
    expect(JSON.parse(event.details)).toMatchObject({
      before: { disabled: false },
      after: { disabled: true },
    });
    // Session-only routes refuse keys.
    const sessions = await asKey({ method: 'GET', url: '/api/v1/auth/sessions' });
    expect(sessions.statusCode).toBe(403);
  });

  it('answers 401 for disabled, expired and revoked keys, and works again when re-enabled', async () => {
    const user = await signUp(gantry.app);
    const url = `/api/v1/accounts/${user.account.id}`;
    const key = await buildApiKey(user, user.account.id);
    const asKey = asApiKey(gantry.app, key.secret);
    expect((await asKey({ method: 'GET', url })).statusCode).toBe(200);

    const disable = await user.request({
      method: 'POST',
      url: `${keysUrl(user.account.id)}/${key.id}/disable`,
    });
    expect(disable.json().disabled).toBe(true);
    const refused = await asKey({ method: 'GET', url });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('invalid_api_key');
    expect(refused.headers['www-authenticate']).toContain('Bearer');
    const eventsBefore = (await auditEvents(gantry, user.account.id)).length;
    // Disabling twice changes nothing and writes nothing.
    await user.request({ method: 'POST', url: `${keysUrl(user.account.id)}/${key.id}/disable` });
    expect(await auditEvents(gantry, user.account.id)).toHaveLength(eventsBefore);
    const enable = await user.request({
      method: 'POST',
      url: `${keysUrl(user.account.id)}/${key.id}/enable`,
    });
    expect(enable.json().disabled).toBe(false);
    expect((await asKey({ method: 'GET', url })).statusCode).toBe(200);

    const expiring = await buildApiKey(user, user.account.id, {
      expiresAt: new Date(clock.now().getTime() + DAY).toISOString(),
    });
    const asExpiring = asApiKey(gantry.app, expiring.secret);
    expect((await asExpiring({ method: 'GET', url })).statusCode).toBe(200);
    clock.advance(DAY);
    expect((await asExpiring({ method: 'GET', url })).statusCode).toBe(401);
    const listed = await user.request({ method: 'GET', url: keysUrl(user.account.id) });
    expect(listed.json().items.find((k: { id: string }) => k.id === expiring.id).expired).toBe(
      true,
    );

    const revoked = await user.request({
      method: 'DELETE',
      url: `${keysUrl(user.account.id)}/${key.id}`,
    });
    expect(revoked.statusCode).toBe(204);
    expect((await asKey({ method: 'GET', url })).statusCode).toBe(401);
    const after = await user.request({ method: 'GET', url: keysUrl(user.account.id) });
    expect(after.json().items.map((k: { id: string }) => k.id)).not.toContain(key.id);
    const again = await user.request({
      method: 'POST',
      url: `${keysUrl(user.account.id)}/${key.id}/enable`,
    });
    expect(again.statusCode).toBe(404);
    const events = (await auditEvents(gantry, user.account.id)).map((e) => e.action);
    expect(events).toEqual(
      expect.arrayContaining(['apikey.disable', 'apikey.enable', 'apikey.revoke']),
    );
  });

  it('stops a key when its creator leaves the account, even after they rejoin', async () => {
    const { owner } = await buildTeam(gantry);
    const team = owner.account.id;
    const member = await buildMember(gantry, team, 'dev');
    const key = await buildApiKey(member, team);
    const asKey = asApiKey(gantry.app, key.secret);
    expect((await asKey({ method: 'GET', url: `/api/v1/accounts/${team}` })).statusCode).toBe(200);
    await gantry.deps.db
      .deleteFrom('memberships')
      .where('account_id', '=', team)
      .where('user_id', '=', member.user.id)
      .execute();
    expect((await asKey({ method: 'GET', url: `/api/v1/accounts/${team}` })).statusCode).toBe(401);
    clock.advance(1000);
    await gantry.deps.db
      .insertInto('memberships')
      .values({
        account_id: team,
        user_id: member.user.id,
        role: 'dev',
        created_at: clock.now().toISOString(),
      })
      .execute();
    expect((await asKey({ method: 'GET', url: `/api/v1/accounts/${team}` })).statusCode).toBe(401);
  });

  it("lets apikeys.manage change any key; other members get 403 on others' keys and 404 across accounts", async () => {
    const { owner } = await buildTeam(gantry);
    const team = owner.account.id;
    const dev = await buildMember(gantry, team, 'dev');
    const basic = await buildMember(gantry, team, 'basic');
    const devKey = await buildApiKey(dev, team);
    const basicKey = await buildApiKey(basic, team);

    const before = await countRows();
    const forbidden = await basic.request({
      method: 'POST',
      url: `${keysUrl(team)}/${devKey.id}/disable`,
    });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('forbidden');
    expect((await countRows()).events).toBe(before.events + 1);
    expect((await auditEvents(gantry, team)).at(-1)).toMatchObject({
      action: 'apikey.disable',
      outcome: 'denied',
      actor_user_id: basic.user.id,
    });
    const forbiddenRevoke = await asApiKey(
      gantry.app,
      basicKey.secret,
    )({
      method: 'DELETE',
      url: `${keysUrl(team)}/${devKey.id}`,
    });
    expect(forbiddenRevoke.statusCode).toBe(403);

    const byAdmin = await owner.request({
      method: 'POST',
      url: `${keysUrl(team)}/${devKey.id}/disable`,
    });
    expect(byAdmin.statusCode).toBe(200);
    expect(byAdmin.json()).toMatchObject({ createdBy: dev.user.id, disabled: true });
    const revoked = await owner.request({ method: 'DELETE', url: `${keysUrl(team)}/${devKey.id}` });
    expect(revoked.statusCode).toBe(204);

    // A key id of another account is not found, for a stranger and for an Admin elsewhere.
    const stranger = await signUp(gantry.app);
    for (const url of [
      `${keysUrl(stranger.account.id)}/${basicKey.id}/disable`,
      `${keysUrl(team)}/${basicKey.id}/disable`,
    ]) {
      const response = await stranger.request({ method: 'POST', url });
      expect(response.statusCode).toBe(404);
    }
    expect((await stranger.request({ method: 'GET', url: keysUrl(team) })).statusCode).toBe(404);
    const malformed = await owner.request({ method: 'DELETE', url: `${keysUrl(team)}/nope` });
    expect(malformed.statusCode).toBe(400);
    const anonymous = await gantry.app.inject({ method: 'GET', url: keysUrl(team) });
    expect(anonymous.statusCode).toBe(401);
    const anonymousCreate = await gantry.app.inject({
      method: 'POST',
      url: keysUrl(team),
      payload: { name: 'x' },
    });
    expect(anonymousCreate.statusCode).toBe(401);
  });

  it('answers 401 for malformed, truncated, altered or misplaced keys, and writes nothing', async () => {
    const user = await signUp(gantry.app);
    const key = await buildApiKey(user, user.account.id);
    const url = `/api/v1/accounts/${user.account.id}`;
    const last = key.secret.at(-1) === 'A' ? 'B' : 'A';
    const before = await countRows();
    for (const authorization of [
      `Bearer ${key.secret.slice(0, -1)}`,
      `Bearer ${key.secret.slice(0, -1)}${last}`,
      `Bearer ${key.secret.slice(4)}`,
      `Bearer ${key.secret}x`,
      'Bearer gnt_',
      'Bearer ',
      'Bearer',
      `Bearer  ${key.secret}`,
      `Bearer ${key.secret} extra`,
      `Token ${key.secret}`,
      `Basic ${Buffer.from(`${key.secret}:`).toString('base64')}`,
      key.secret,
      `Bearer ${key.secret.replace('gnt_', 'gnt-')}`,
    ]) {
      const response = await gantry.app.inject({ method: 'GET', url, headers: { authorization } });
      expect(response.statusCode, authorization).toBe(401);
      expect(response.json().error.code).toBe('invalid_api_key');
    }
    // A key in the wrong header is no credential at all.
    const wrongHeader = await gantry.app.inject({
      method: 'GET',
      url,
      headers: { 'x-api-key': key.secret },
    });
    expect(wrongHeader.statusCode).toBe(401);
    const post = await gantry.app.inject({
      method: 'DELETE',
      url: `${keysUrl(user.account.id)}/${key.id}`,
      headers: { authorization: `Token ${key.secret}` },
    });
    expect(post.statusCode).toBe(401);
    expect(await countRows()).toEqual(before);
    // The scheme is case-insensitive.
    const lower = await gantry.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `bearer ${key.secret}` },
    });
    expect(lower.statusCode).toBe(200);
  });

  it('records last use in memory and writes it at most about once a minute', async () => {
    const user = await signUp(gantry.app);
    const key = await buildApiKey(user, user.account.id);
    const asKey = asApiKey(gantry.app, key.secret);
    const lastUsed = async () =>
      (
        await gantry.deps.db
          .selectFrom('api_keys')
          .select('last_used_at')
          .where('id', '=', key.id)
          .executeTakeFirstOrThrow()
      ).last_used_at;
    const firstUse = clock.now().toISOString();
    await asKey({ method: 'GET', url: '/api/v1/accounts' });
    expect(await lastUsed()).toBeNull();
    await flushApiKeyUsage(gantry.deps);
    expect(await lastUsed()).toBe(firstUse);

    clock.advance(30_000);
    await asKey({ method: 'GET', url: '/api/v1/accounts' });
    await flushApiKeyUsage(gantry.deps);
    expect(await lastUsed()).toBe(firstUse);

    clock.advance(31_000);
    const later = clock.now().toISOString();
    await asKey({ method: 'GET', url: '/api/v1/accounts' });
    await flushApiKeyUsage(gantry.deps);
    expect(await lastUsed()).toBe(later);
    const listed = await user.request({ method: 'GET', url: keysUrl(user.account.id) });
    expect(listed.json().items[0].lastUsedAt).toBe(later);
  });

  it('refuses more than the per-member limit of keys', async () => {
    const user = await signUp(gantry.app);
    const now = clock.now().toISOString();
    await gantry.deps.db
      .insertInto('api_keys')
      .values(
        Array.from({ length: 100 }, (_, i) => ({
          id: newId(),
          account_id: user.account.id,
          user_id: user.user.id,
          name: `k${i}`,
          prefix: 'gnt_xxxxxx',
          secret_hash: hashToken(`${user.user.id}-${i}`),
          read_only: 0,
          created_at: now,
          last_used_at: null,
          expires_at: null,
          disabled_at: null,
          revoked_at: null,
        })),
      )
      .execute();
    const response = await user.request({
      method: 'POST',
      url: keysUrl(user.account.id),
      payload: { name: 'one too many' },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('api_key_limit_reached');
  });
});

describe.each(DIALECTS)('API key secrets in logs on %s', (dialect) => {
  let gantry: TestGantry;
  let logged = '';
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk);
        done();
      },
    });
    gantry = await startTestGantry(dialect, {}, { logger: createLogger('trace', sink) });
  });
  afterAll(() => gantry.close());

  it('never writes a secret to the log, whatever the request', async () => {
    const user = await signUp(gantry.app);
    const key = await buildApiKey(user, user.account.id);
    const asKey = asApiKey(gantry.app, key.secret);
    await asKey({ method: 'GET', url: '/api/v1/accounts' });
    await asKey({ method: 'GET', url: `/api/v1/accounts?key=${key.secret}` });
    await asKey({
      method: 'POST',
      url: `/api/v1/accounts/${user.account.id}/api-keys`,
      payload: {},
    });
    await gantry.app.inject({
      method: 'GET',
      url: '/api/v1/accounts',
      headers: { authorization: `Bearer ${key.secret.slice(0, -2)}` },
    });
    await gantry.app.inject({ method: 'GET', url: `/api/v1/nope/${key.secret}` });
    await flushApiKeyUsage(gantry.deps);
    expect(logged).toContain('/api/v1/accounts');
    expect(logged).toContain('api-keys');
    expect(logged).not.toContain(key.secret.slice(4, 30));
  });
});
