import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asApiKey, buildApiKey, buildMember, buildTeam } from '../../test/factories.js';
import {
  auditEvents,
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { ManualClock } from '../lib/clock.js';
import { createLogger } from '../lib/logger.js';
import { hashToken } from '../lib/secrets.js';
import { PERMISSIONS, READ_PERMISSIONS, ROLES } from '../permissions/policy.js';
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
});
