import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, signUp, startTestGantry, type TestGantry } from '../../test/harness.js';
import { principalFromHeaders, readCookie } from './authenticate.js';

describe('readCookie', () => {
  it('reads the first cookie of that exact name', () => {
    const header = 'xgantry_session=no; a=1;  gantry_session = tok-1 ; gantry_session=tok-2';
    expect(readCookie(header, 'gantry_session')).toBe('tok-1');
    expect(readCookie(header, 'a')).toBe('1');
    expect(readCookie(header, 'b')).toBeUndefined();
    expect(readCookie(undefined, 'a')).toBeUndefined();
    expect(readCookie('', 'a')).toBeUndefined();
    expect(readCookie('a', 'a')).toBeUndefined();
  });

  it('unquotes and decodes like a cookie parser, never throwing', () => {
    expect(readCookie('a="x y"', 'a')).toBe('x y');
    expect(readCookie('a=%E2%9C%93', 'a')).toBe('✓');
    expect(readCookie('a=%E0%A4%A', 'a')).toBe('%E0%A4%A');
    expect(readCookie('a=', 'a')).toBe('');
  });
});

describe.each(DIALECTS)('principalFromHeaders on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry?.close());

  const noApiKeys = async () => null;
  const resolve = (token: string | undefined, headers: Record<string, string> = {}) =>
    principalFromHeaders(gantry.deps, headers, token, false, noApiKeys);

  it('resolves a live session, no cookie, an unknown token and a bad API key', async () => {
    const user = await signUp(gantry.app);
    const token = readCookie(user.cookie, 'gantry_session') ?? '';
    expect(await resolve(token)).toEqual({
      principal: expect.objectContaining({ kind: 'session', userId: user.user.id }),
    });
    expect(await resolve(undefined)).toEqual({ principal: null });
    expect(await resolve('x'.repeat(43))).toEqual({ principal: null });
    const keyed = await resolve(token, { authorization: 'Bearer nope' });
    expect(keyed).toMatchObject({ error: { code: 'invalid_api_key' } });
  });

  it("reads the caller's membership on the path's account with the session", async () => {
    const user = await signUp(gantry.app);
    const other = await signUp(gantry.app);
    const token = readCookie(user.cookie, 'gantry_session') ?? '';
    const withAccount = (accountId: string) =>
      principalFromHeaders(gantry.deps, {}, token, false, noApiKeys, accountId);

    const own = await withAccount(user.account.id);
    expect(own).toMatchObject({
      principal: { kind: 'session', userId: user.user.id },
      prefetched: {
        accountId: user.account.id,
        row: {
          id: user.account.id,
          name: user.account.name,
          kind: 'personal',
          owner_id: user.user.id,
          role: 'admin',
        },
      },
    });
    const row = 'prefetched' in own ? own.prefetched?.row : undefined;
    expect(Date.parse(row?.created_at ?? '')).not.toBeNaN();
    expect(Date.parse(row?.updated_at ?? '')).not.toBeNaN();

    // Another user's account, or a string that names no account: a session, and no membership.
    for (const accountId of [other.account.id, 'not-an-id']) {
      expect(await withAccount(accountId)).toEqual({
        principal: expect.objectContaining({ userId: user.user.id }),
        prefetched: { accountId, row: undefined },
      });
    }
    // No account in the path: nothing is prefetched.
    expect(await resolve(token)).toEqual({
      principal: expect.objectContaining({ userId: user.user.id }),
      prefetched: undefined,
    });
  });
});
