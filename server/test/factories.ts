import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import type { Role } from '../src/permissions/policy.js';
import type { Gantry } from '../src/server.js';
import { PASSWORD, signUp, type TestUser } from './harness.js';

/** A new user who is a member of `accountId` with `role` (membership written directly). */
export async function buildMember(
  gantry: Gantry,
  accountId: string,
  role: Role,
): Promise<TestUser> {
  const user = await signUp(gantry.app, { name: `A ${role}` });
  await gantry.deps.db
    .insertInto('memberships')
    .values({
      account_id: accountId,
      user_id: user.user.id,
      role,
      created_at: gantry.deps.clock.now().toISOString(),
    })
    .execute();
  return user;
}

export interface CreatedKey {
  id: string;
  secret: string;
  prefix: string;
  readOnly: boolean;
}

/** Creates an API key through the API as `user` (signed in); fails the test otherwise. */
export async function buildApiKey(
  user: TestUser,
  accountId: string,
  body: { name?: string; readOnly?: boolean; expiresAt?: string } = {},
): Promise<CreatedKey> {
  const response = await user.request({
    method: 'POST',
    url: `/api/v1/accounts/${accountId}/api-keys`,
    payload: { name: 'test key', ...body },
  });
  if (response.statusCode !== 201) {
    throw new Error(`api key creation failed: ${response.statusCode} ${response.body}`);
  }
  return response.json();
}

/** Sends requests with `Authorization: Bearer <secret>`. */
export function asApiKey(app: FastifyInstance, secret: string) {
  return (options: InjectOptions): Promise<LightMyRequestResponse> =>
    app.inject({ ...options, headers: { ...options.headers, authorization: `Bearer ${secret}` } });
}

/** Turns on two-factor sign-in for `user` through the API, as their authenticator app would. */
export async function turnOnTwoFactor(user: TestUser): Promise<void> {
  const post = (path: string, payload: object) =>
    user.request({ method: 'POST', url: `/api/v1/me/two-factor/${path}`, payload });
  const setup = await post('setup', { password: PASSWORD });
  if (setup.statusCode !== 200) throw new Error(`two-factor set-up failed: ${setup.body}`);
  const code = new TOTP({ secret: Secret.fromBase32(setup.json().secret) }).generate();
  const enabled = await post('enable', { code });
  if (enabled.statusCode !== 200) throw new Error(`two-factor enable failed: ${enabled.body}`);
}
