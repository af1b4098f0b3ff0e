import { describe, expect, it } from 'vitest';
import {
  type AccountActor,
  authorize,
  authorizeOwner,
  can,
  PERMISSIONS,
  permissionsOf,
  type Role,
} from './policy.js';

const actor = (role: Role, extra: Partial<AccountActor> = {}): AccountActor => ({
  accountId: 'a',
  accountKind: 'team',
  userId: 'u',
  email: 'u@example.com',
  role,
  isOwner: false,
  ...extra,
});

/** What each role may do, written out independently of the table in policy.ts. */
const EXPECTED: Record<Role, string[]> = {
  basic: ['account.use', 'pods.view', 'pods.connect'],
  billing: ['account.use', 'billing.view', 'billing.manage'],
  dev: [
    'account.use',
    'pods.view',
    'pods.connect',
    'pods.create',
    'pods.start',
    'pods.stop',
    'pods.terminate',
  ],
  admin: [...PERMISSIONS],
};

describe('policy table', () => {
  it.each(Object.entries(EXPECTED))('grants %s exactly its permissions', (role, expected) => {
    expect(permissionsOf(actor(role as Role)).sort()).toEqual([...expected].sort());
  });

  it('lets a Dev terminate only Pods they created; an Admin any', () => {
    expect(can(actor('dev'), 'pods.terminate', { createdBy: 'u' })).toBe(true);
    expect(can(actor('dev'), 'pods.terminate', { createdBy: 'someone-else' })).toBe(false);
    expect(can(actor('admin'), 'pods.terminate', { createdBy: 'someone-else' })).toBe(true);
  });

  it('gives the owner of a personal account every permission', () => {
    const owner = actor('basic', { accountKind: 'personal', isOwner: true });
    expect(permissionsOf(owner)).toEqual([...PERMISSIONS]);
  });

  it('narrows a read-only API key to reading', () => {
    const key = actor('admin', { apiKey: { id: 'k', readOnly: true } });
    expect(can(key, 'pods.view')).toBe(true);
    expect(can(key, 'audit.view')).toBe(true);
    expect(can(key, 'pods.create')).toBe(false);
    expect(() => authorize(key, 'billing.manage')).toThrowError(/read-only/);
  });

  it('keeps one permission list per role, personal ownership and read-only key', () => {
    const readOnly = { apiKey: { id: 'k', readOnly: true } };
    const personalOwner = { accountKind: 'personal' as const, isOwner: true };
    const reads = PERMISSIONS.filter((p) => can(actor('admin', readOnly), p));
    // Each combination asked twice, in an order where a shared slot would show.
    for (let i = 0; i < 2; i++) {
      expect(permissionsOf(actor('admin'))).toEqual([...PERMISSIONS]);
      expect(permissionsOf(actor('admin', readOnly))).toEqual(reads);
      expect(permissionsOf(actor('basic', personalOwner))).toEqual([...PERMISSIONS]);
      expect(permissionsOf(actor('basic', { ...personalOwner, ...readOnly }))).toEqual(reads);
      expect(permissionsOf(actor('basic')).sort()).toEqual([...EXPECTED.basic].sort());
      expect(permissionsOf(actor('basic', readOnly))).toEqual(['account.use', 'pods.view']);
      expect(permissionsOf(actor('billing', readOnly))).toEqual(['account.use', 'billing.view']);
    }
    expect(reads.length).toBeLessThan(PERMISSIONS.length);
    // Callers get a copy: changing one answer changes no other.
    permissionsOf(actor('dev')).push('billing.manage');
    expect(permissionsOf(actor('dev'))).not.toContain('billing.manage');
  });

  it('throws a 403 that names the missing permission', () => {
    try {
      authorize(actor('basic'), 'billing.view');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        status: 403,
        code: 'forbidden',
        extra: { denied: { permission: 'billing.view' } },
      });
    }
  });

  it('lets only the owner through authorizeOwner, and never a read-only key', () => {
    expect(() => authorizeOwner(actor('admin', { isOwner: true }), 'x')).not.toThrow();
    expect(() => authorizeOwner(actor('admin'), 'delete the team')).toThrowError(
      /Only the owner can delete the team/,
    );
    const readOnlyOwner = actor('admin', { isOwner: true, apiKey: { id: 'k', readOnly: true } });
    expect(() => authorizeOwner(readOnlyOwner, 'x')).toThrowError(/read-only/);
    try {
      authorizeOwner(actor('admin'), 'x');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ status: 403, extra: { denied: { permission: 'owner' } } });
    }
  });
});
