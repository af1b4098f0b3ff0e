/** Test factories for Pod tests (not used by production code). */

import { signUp, type TestGantry, type TestUser } from '../../test/harness.js';
import { insertMembership } from '../accounts/accounts.store.js';
import type { Role } from '../permissions/policy.js';
import { waitFor } from './runtime/test-helpers.js';

export interface PodTeam {
  accountId: string;
  admin: TestUser;
  basic: TestUser;
  billing: TestUser;
  dev: TestUser;
  dev2: TestUser;
  outsider: TestUser;
}

/**
 * A team account (owner: `admin`) with one member of each role, a second Dev
 * and an outsider. Memberships are inserted directly, as the invite flow is
 * another module's.
 */
export async function buildPodTeam(gantry: TestGantry): Promise<PodTeam> {
  const admin = await signUp(gantry.app, { name: 'Ada Admin' });
  const accountId = admin.account.id;
  await gantry.deps.db
    .updateTable('accounts')
    .set({ kind: 'team', name: 'Pod Team' })
    .where('id', '=', accountId)
    .execute();
  const member = async (role: Role, name: string) => {
    const user = await signUp(gantry.app, { name });
    await insertMembership(gantry.deps.db, {
      account_id: accountId,
      user_id: user.user.id,
      role,
      created_at: new Date().toISOString(),
    });
    return user;
  };
  return {
    accountId,
    admin,
    basic: await member('basic', 'Bob Basic'),
    billing: await member('billing', 'Bill Billing'),
    dev: await member('dev', 'Dee Dev'),
    dev2: await member('dev', 'Dan Dev'),
    outsider: await signUp(gantry.app, { name: 'Olga Outsider' }),
  };
}

export const podBody = (overrides: Record<string, unknown> = {}) => ({
  name: 'my pod',
  gpuType: 'a100-80gb',
  gpuCount: 1,
  templateId: 'hello-web',
  ...overrides,
});

/** Creates a Pod through the API as `user`; returns its JSON. */
export async function createPodAs(
  user: TestUser,
  accountId: string,
  overrides: Record<string, unknown> = {},
) {
  const response = await user.request({
    method: 'POST',
    url: `/api/v1/accounts/${accountId}/pods`,
    payload: podBody(overrides),
  });
  if (response.statusCode !== 201) {
    throw new Error(`create failed: ${response.statusCode} ${response.body}`);
  }
  return response.json();
}

/** Polls the Pod until it has `status` (fails after `timeoutMs`). */
export async function waitForStatus(
  user: TestUser,
  accountId: string,
  podId: string,
  status: string,
  timeoutMs = 10_000,
) {
  let last: { status: string } | undefined;
  try {
    await waitFor(async () => {
      const response = await user.request({
        method: 'GET',
        url: `/api/v1/accounts/${accountId}/pods/${podId}`,
      });
      last = response.json();
      return last?.status === status;
    }, timeoutMs);
  } catch {
    throw new Error(`pod ${podId} never became ${status} (last: ${JSON.stringify(last)})`);
  }
  return last as Record<string, unknown>;
}
