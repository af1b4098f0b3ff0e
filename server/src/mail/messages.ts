import type { Deps } from '../context.js';
import { type MailContent, PRODUCT_NAME, renderMail } from './mail.templates.js';

/**
 * Every mail Gantry writes, as content for the outbox. Links carry single-use tokens; no mail
 * holds a password or another long-lived secret.
 */

/** `n••••@example.com`: enough to recognize an address, not to learn it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '••••';
  return `${email[0]}••••${email.slice(at)}`;
}

/** The verification link of a new user, or of a new address being changed to. */
export function verifyEmailMail(deps: Deps, name: string, token: string, change: boolean) {
  return renderMail(deps, {
    subject: change ? 'confirm your new email address' : 'verify your email address',
    paragraphs: [
      `Hello ${name},`,
      change
        ? `Someone (we hope you) asked to sign in to ${PRODUCT_NAME} with this address from now on. The change takes effect once you follow this link.`
        : `Welcome to ${PRODUCT_NAME}. Please confirm that this address is yours.`,
    ],
    action: {
      label: 'Verify your email address',
      url: `${deps.config.publicUrl}/verify-email/${token}`,
    },
    after: [
      'The link works once, for 24 hours. If you did not ask for this, you can ignore this mail.',
    ],
  });
}

/** To the old address, when a change of email is asked for and when it is done. */
export function emailChangeNoticeMail(
  deps: Deps,
  name: string,
  newEmail: string,
  done: boolean,
): MailContent {
  return renderMail(deps, {
    subject: done
      ? 'your email address was changed'
      : 'a change of your email address was asked for',
    paragraphs: [
      `Hello ${name},`,
      done
        ? `Your ${PRODUCT_NAME} account now signs in with ${maskEmail(newEmail)}, not with this address.`
        : `Someone signed in to your ${PRODUCT_NAME} account asked to change its email to ${maskEmail(newEmail)}. It changes only once that address confirms it.`,
      'If this was not you, change your password at once and sign out your other sessions under Settings.',
    ],
  });
}

/** The password-reset link. */
export function passwordResetMail(deps: Deps, name: string, token: string): MailContent {
  return renderMail(deps, {
    subject: 'reset your password',
    paragraphs: [
      `Hello ${name},`,
      `Someone (we hope you) asked to reset the password of your ${PRODUCT_NAME} account.`,
    ],
    action: {
      label: 'Choose a new password',
      url: `${deps.config.publicUrl}/reset-password/${token}`,
    },
    after: [
      'The link works once, for one hour, and signs out every session. If you did not ask for this, ignore this mail: your password stays as it is.',
    ],
  });
}

/** The security events users are told about by mail. */
export type SecurityNotice =
  | 'password_changed'
  | 'password_reset'
  | 'two_factor_disabled'
  | 'recovery_codes_regenerated';

const NOTICES: Record<SecurityNotice, { subject: string; text: string }> = {
  password_changed: {
    subject: 'your password was changed',
    text: 'The password of your account was changed, and your other sessions were signed out.',
  },
  password_reset: {
    subject: 'your password was reset',
    text: 'The password of your account was reset, and every session was signed out.',
  },
  two_factor_disabled: {
    subject: 'two-factor sign-in was turned off',
    text: 'Two-factor sign-in was turned off for your account: your password alone now signs in.',
  },
  recovery_codes_regenerated: {
    subject: 'new recovery codes were made',
    text: 'New two-factor recovery codes were made for your account; the old ones no longer work.',
  },
};

/** Tells a user about a security-relevant change of their account. */
export function securityNoticeMail(deps: Deps, name: string, notice: SecurityNotice): MailContent {
  const { subject, text } = NOTICES[notice];
  return renderMail(deps, {
    subject,
    paragraphs: [
      `Hello ${name},`,
      `${text}`,
      'If this was not you, reset your password at once (Forgot password? on the sign-in page) and tell your team’s Admin.',
    ],
  });
}

/** An email-bound invite, mailed to its address: the same link the Admin can copy. */
export function inviteMail(
  deps: Deps,
  input: { teamName: string; role: string; inviterName: string; expiresAt: string; url: string },
): MailContent {
  return renderMail(deps, {
    subject: `${input.inviterName} invited you to ${input.teamName}`,
    paragraphs: [
      `${input.inviterName} invited you to join the team ${input.teamName} on ${PRODUCT_NAME} as ${input.role}.`,
      'Sign up or sign in with this email address, verify it, and join.',
    ],
    action: { label: 'Join Team', url: input.url },
    after: [`The invite expires at ${input.expiresAt}.`],
  });
}

/** The account's balance fell below its alert threshold. */
export function lowBalanceMail(
  deps: Deps,
  input: { accountName: string; balance: string; threshold: string; currency: string },
): MailContent {
  return renderMail(deps, {
    subject: `low balance on ${input.accountName}`,
    paragraphs: [
      `The balance of ${input.accountName} is ${input.balance} ${input.currency}, below its alert threshold of ${input.threshold} ${input.currency}.`,
      'Running Pods are stopped when it reaches zero. Add credit under Billing.',
    ],
    action: { label: 'Open Billing', url: `${deps.config.publicUrl}/billing` },
  });
}
