import type { components } from '../api/schema';

export type UserEvent = components['schemas']['UserEvent'];

const LABELS: Record<UserEvent['action'], string> = {
  'user.signup': 'Signed up',
  'user.signin': 'Signed in',
  'user.signout': 'Signed out',
  'user.update': 'Name changed',
  'user.email_change': 'Email changed',
  'user.email_change_request': 'Email change asked for',
  'user.email_verify': 'Email verified',
  'user.password_change': 'Password changed',
  'user.password_reset': 'Password reset',
  'user.two_factor_enable': 'Two-factor sign-in turned on',
  'user.two_factor_disable': 'Two-factor sign-in turned off',
  'user.two_factor_reset': 'Two-factor sign-in turned off by the operator',
  'user.recovery_codes_regenerate': 'New recovery codes',
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
    case 'user.email_change': {
      const before = (details.before as { email?: unknown } | undefined)?.email;
      const after = (details.after as { email?: unknown } | undefined)?.email;
      return {
        label,
        detail:
          typeof before === 'string' && typeof after === 'string'
            ? `From ${before} to ${after}`
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
        label:
          details.by === 'operator'
            ? 'Password reset by the operator'
            : 'Password reset by a mailed link',
        detail:
          typeof revoked === 'number'
            ? `${plural(revoked, 'session', 'sessions')} signed out`
            : null,
      };
    }
    case 'user.signin': {
      if (details.secondFactor === 'totp') return { label, detail: 'With an authenticator code' };
      if (details.secondFactor !== 'recovery_code') return { label, detail: null };
      const left = details.recoveryCodesLeft;
      return {
        label,
        detail:
          typeof left === 'number'
            ? `With a recovery code (${plural(left, 'code', 'codes')} left)`
            : 'With a recovery code',
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
