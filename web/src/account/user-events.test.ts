import { describe, expect, it } from 'vitest';
import { describeUserEvent } from './user-events';

describe('describeUserEvent', () => {
  it('says what happened in words', () => {
    expect(describeUserEvent({ action: 'user.signin', details: {} })).toEqual({
      label: 'Signed in',
      detail: null,
    });
    expect(describeUserEvent({ action: 'user.signout', details: {} }).label).toBe('Signed out');
  });

  it('adds the details that matter', () => {
    expect(
      describeUserEvent({ action: 'user.password_change', details: { sessionsRevoked: 1 } }),
    ).toEqual({ label: 'Password changed', detail: '1 other session signed out' });
    expect(
      describeUserEvent({ action: 'user.password_change', details: { sessionsRevoked: 3 } }).detail,
    ).toBe('3 other sessions signed out');
    expect(
      describeUserEvent({
        action: 'user.update',
        details: { before: { name: 'Ada' }, after: { name: 'Ada L.' } },
      }),
    ).toEqual({ label: 'Name changed', detail: 'From “Ada” to “Ada L.”' });
    expect(
      describeUserEvent({
        action: 'user.password_reset',
        details: { by: 'operator', sessionsRevoked: 1 },
      }),
    ).toEqual({ label: 'Password reset by the operator', detail: '1 session signed out' });
    expect(
      describeUserEvent({
        action: 'user.email_change',
        details: { before: { email: 'a@old.example' }, after: { email: 'a@new.example' } },
      }),
    ).toEqual({ label: 'Email changed', detail: 'From a@old.example to a@new.example' });
    expect(
      describeUserEvent({ action: 'user.signin', details: { secondFactor: 'totp' } }).detail,
    ).toBe('With an authenticator code');
    expect(
      describeUserEvent({
        action: 'user.signin',
        details: { secondFactor: 'recovery_code', recoveryCodesLeft: 1 },
      }).detail,
    ).toBe('With a recovery code (1 code left)');
    expect(describeUserEvent({ action: 'session.revoke_others', details: { count: 2 } })).toEqual({
      label: 'Signed out other sessions',
      detail: '2 sessions',
    });
  });

  it('shows no detail when the details are not what it expects', () => {
    expect(describeUserEvent({ action: 'user.update', details: {} }).detail).toBeNull();
    expect(
      describeUserEvent({ action: 'user.password_change', details: { sessionsRevoked: 'x' } })
        .detail,
    ).toBeNull();
  });
});
