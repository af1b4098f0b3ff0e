import type { components } from '../api/schema';

export type UserEvent = components['schemas']['UserEvent'];

const LABELS: Record<UserEvent['action'], string> = {
  'user.signup': 'Signed up',
  'user.signin': 'Signed in',
  'user.signout': 'Signed out',
  'user.update': 'Name changed',
  'user.password_change': 'Password changed',
  'user.password_reset': 'Password reset by the operator',
  'session.revoke': 'Signed out a session',
  'session.revoke_others': 'Signed out other sessions',
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What an event of the security log says, in words: its action and, where it helps, details. */
export function describeUserEvent(event: Pick<UserEvent, 'action' | 'details'>): {
  label: string;
  detail: string | null;
} {
  const label = LABELS[event.action] ?? event.action;
  const details = event.details as Record<string, unknown>;
  switch (event.action) {
    case 'user.update': {
      const before = (details.before as { name?: unknown } | undefined)?.name;
      const after = (details.after as { name?: unknown } | undefined)?.name;
      return {
        label,
        detail:
          typeof before === 'string' && typeof after === 'string'
            ? `From “${before}” to “${after}”`
            : null,
      };
    }
    case 'user.password_change': {
      const revoked = details.sessionsRevoked;
      return {
        label,
        detail:
          typeof revoked === 'number'
            ? `${plural(revoked, 'other session', 'other sessions')} signed out`
            : null,
      };
    }
    case 'user.password_reset': {
      const revoked = details.sessionsRevoked;
      return {
        label,
        detail:
          typeof revoked === 'number'
            ? `${plural(revoked, 'session', 'sessions')} signed out`
            : null,
      };
    }
    case 'session.revoke_others': {
      const count = details.count;
      return {
        label,
        detail: typeof count === 'number' ? plural(count, 'session', 'sessions') : null,
      };
    }
    default:
      return { label, detail: null };
  }
}
