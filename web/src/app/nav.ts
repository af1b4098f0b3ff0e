import type { Account, Permission } from '../api/client';

export interface NavItem {
  label: string;
  /** Path below /accounts/:accountId. */
  path: string;
  /** Shown only when the caller holds this permission on the account. */
  permission?: Permission;
  /** Shown only on team accounts. */
  teamOnly?: boolean;
}

/** The console's sections; each module's page adds its entry here. */
export const NAV_ITEMS: NavItem[] = [
  { label: 'Dashboard', path: '' },
  { label: 'Pods', path: 'pods', permission: 'pods.view' },
  { label: 'Billing', path: 'billing', permission: 'billing.view' },
  { label: 'Team', path: 'team', teamOnly: true },
  { label: 'Audit logs', path: 'audit-logs', permission: 'audit.view' },
  { label: 'Settings', path: 'settings' },
  { label: 'API keys', path: 'settings/api-keys', permission: 'account.use' },
];

export function visibleNav(account: Account): NavItem[] {
  const granted = new Set(account.permissions);
  return NAV_ITEMS.filter(
    (item) =>
      (!item.permission || granted.has(item.permission)) &&
      (!item.teamOnly || account.kind === 'team'),
  );
}
