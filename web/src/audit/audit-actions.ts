import type { components } from '../api/schema';

type AuditEventSchema = components['schemas']['AuditEvent'];
export type AuditAction = AuditEventSchema['action'];

/**
 * Every action the server writes, in words. Typed by the generated schema: an action the server
 * adds and the console does not name here fails to compile (and one it drops, too).
 */
const ACTION_LABELS: Record<AuditAction, string> = {
  'account.create': 'Created the account',
  'account.view': 'Viewed the account',
  'account.update': 'Changed the account’s name or settings',
  'account.convert': 'Converted the account to a team',
  'account.delete_team': 'Deleted the team',
  'ownership.transfer': 'Transferred ownership',
  'member.view': 'Viewed the members',
  'member.role_change': 'Changed a member’s role',
  'member.remove': 'Removed a member',
  'member.leave': 'Left the team',
  'invite.view': 'Viewed the invites',
  'invite.create': 'Created an invite',
  'invite.revoke': 'Revoked an invite',
  'invite.accept': 'Joined with an invite',
  'pod.view': 'Viewed the Pods',
  'pod.create': 'Deployed a Pod',
  'pod.start': 'Started a Pod',
  'pod.stop': 'Stopped a Pod',
  'pod.restart': 'Restarted a Pod',
  'pod.terminate': 'Terminated a Pod',
  'pod.connect': 'Connected to a Pod',
  'pod.update': 'Changed when a Pod stops',
  'pod.terminal': 'Opened or closed a Pod terminal',
  'pod.error': 'A Pod failed',
  'billing.view': 'Viewed billing',
  'billing.update': 'Changed billing details or limits',
  'billing.credit': 'Added credit',
  'billing.charge': 'Charged running Pods',
  'audit.view': 'Viewed the audit log',
  'audit.export': 'Exported the audit log',
  'audit.verify': 'Verified the audit log',
  'audit.prune': 'Pruned old audit events',
  'audit.settings_update': 'Changed audit log retention',
  'apikey.view': 'Viewed the API keys',
  'apikey.create': 'Created an API key',
  'apikey.disable': 'Disabled an API key',
  'apikey.enable': 'Enabled an API key',
  'apikey.revoke': 'Revoked an API key',
};

/** The actions the server writes (free text is allowed in the filter too). */
export const KNOWN_ACTIONS = Object.keys(ACTION_LABELS) as AuditAction[];

/** Actions the system writes on its own, many times (a charge per running Pod every minute). */
export const SYSTEM_ACTIONS: readonly AuditAction[] = ['billing.charge'];

/** An action in words: `pod.stop` → "Stopped a Pod"; an unknown one as it is. */
export function actionLabel(action: string): string {
  return ACTION_LABELS[action as AuditAction] ?? action;
}

/** A name the event's details carry for its resource (a Pod's, a key's, a member's), if any. */
function resourceName(details: unknown): string | null {
  if (!details || typeof details !== 'object') return null;
  const d = details as Record<string, unknown>;
  for (const key of ['name', 'podName', 'email', 'teamName']) {
    if (typeof d[key] === 'string' && d[key]) return d[key] as string;
  }
  const after = d.after as Record<string, unknown> | undefined;
  if (after && typeof after.name === 'string') return after.name;
  return null;
}

/**
 * An event as a sentence: "Stopped a Pod (my-run)", "Tried to remove a member — denied".
 */
export function describeAuditEvent(
  event: Pick<AuditEventSchema, 'action' | 'outcome' | 'details'>,
): string {
  const label = actionLabel(event.action);
  const name = resourceName(event.details);
  const what = name ? `${label} (${name})` : label;
  if (event.outcome === 'denied') return `${what} — denied`;
  if (event.outcome === 'failure') return `${what} — failed`;
  return what;
}
