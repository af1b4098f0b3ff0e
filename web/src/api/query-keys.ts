import type { components, paths } from './schema';

/** The audit log's filters (without paging). */
type AuditQuery = Omit<
  NonNullable<paths['/api/v1/accounts/{accountId}/audit-logs']['get']['parameters']['query']>,
  'limit' | 'cursor'
>;
type TransactionKind = components['schemas']['BillingTransaction']['kind'];

/**
 * Every query key of the console, in one place. Keys of one account start with the area and the
 * account's id, so `invalidateQueries({ queryKey: queryKeys.audit(accountId) })` refreshes all of
 * that account's audit views at once.
 */
export const queryKeys = {
  /** The signed-in user and their memberships. */
  me: ['me'] as const,
  /** Every account read (the prefix of {@link queryKeys.account}). */
  accounts: ['account'] as const,
  account: (accountId: string) => ['account', accountId] as const,
  members: (accountId: string) => ['members', accountId] as const,
  invites: (accountId: string) => ['invites', accountId] as const,
  invitePreview: (token: string) => ['invite', token] as const,
  /** Every Pods list of the account (with or without terminated ones). */
  pods: (accountId: string) => ['pods', accountId] as const,
  podList: (accountId: string, includeTerminated: boolean) =>
    ['pods', accountId, { includeTerminated }] as const,
  podLogs: (accountId: string, podId: string | undefined) =>
    ['pod-logs', accountId, podId] as const,
  catalog: ['catalog'] as const,
  billing: (accountId: string) => ['billing', accountId] as const,
  billingTransactions: (
    accountId: string,
    kind: TransactionKind | null,
    cursor: string | undefined,
  ) => ['billing-transactions', accountId, kind, cursor] as const,
  billingUsage: (accountId: string) => ['billing-usage', accountId] as const,
  billingStatements: (accountId: string) => ['billing-statements', accountId] as const,
  apiKeys: (accountId: string) => ['api-keys', accountId] as const,
  /** Every audit view of the account: the log, its actors, the dashboard's recent events. */
  audit: (accountId: string) => ['audit', accountId] as const,
  auditEvents: (accountId: string, query: AuditQuery) =>
    ['audit', accountId, 'events', query] as const,
  auditRecent: (accountId: string) => ['audit', accountId, 'recent'] as const,
  auditActors: (accountId: string) => ['audit', accountId, 'actors'] as const,
  sessions: ['sessions'] as const,
  /** The signed-in user's security log. */
  userEvents: ['user-events'] as const,
  twoFactor: ['two-factor'] as const,
};
