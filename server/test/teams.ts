import type { Role } from '../src/permissions/policy.js';
import { signUp, type TestGantry, type TestUser } from './harness.js';

/** Converts a user's personal account to a team through the API. */
export async function convertToTeam(owner: TestUser, teamName = 'Team Rocket') {
  const response = await owner.request({
    method: 'POST',
    url: `/api/v1/accounts/${owner.account.id}/convert`,
    payload: { teamName },
  });
  if (response.statusCode !== 200) throw new Error(`convert failed: ${response.body}`);
  return response.json();
}

/** Creates an invite through the API as `by` and returns it (with its token). */
export async function invite(
  by: TestUser,
  accountId: string,
  body: { role: Role; email?: string; expiresInHours?: number; maxUses?: number },
) {
  const response = await by.request({
    method: 'POST',
    url: `/api/v1/accounts/${accountId}/invites`,
    payload: body,
  });
  if (response.statusCode !== 201) throw new Error(`invite failed: ${response.body}`);
  const created = response.json();
  return { ...created, token: String(created.url).split('/invite/')[1] as string };
}

/** Accepts an invite token as `user` through the API. */
export function accept(user: TestUser, token: string) {
  return user.request({ method: 'POST', url: `/api/v1/invites/${token}/accept` });
}

export interface TestTeam {
  owner: TestUser;
  accountId: string;
  /** One member per requested role, in order. */
  members: TestUser[];
}

/** A team built through the API: an owner, then one member per role, each joined by invite. */
export async function buildTeam(gantry: TestGantry, roles: Role[] = []): Promise<TestTeam> {
  const owner = await signUp(gantry.app, { name: 'Owner' });
  await convertToTeam(owner);
  const members: TestUser[] = [];
  for (const role of roles) {
    const member = await signUp(gantry.app, { name: `A ${role}` });
    const created = await invite(owner, owner.account.id, { role });
    const joined = await accept(member, created.token);
    if (joined.statusCode !== 200) throw new Error(`accept failed: ${joined.body}`);
    members.push(member);
  }
  return { owner, accountId: owner.account.id, members };
}
