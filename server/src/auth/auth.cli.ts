import type { Command } from 'commander';
import { EXIT } from '../cli/exit-codes.js';
import {
  type OperatorIo,
  type OperatorOptions,
  operatorAction,
  processOperatorIo,
} from '../cli/operator.js';
import type { Deps } from '../context.js';
import { AppError } from '../errors.js';

/**
 * Runs an operator's action on the user with `email` and prints what it answers; an unknown
 * email is exit code 5 (not found), and, with `conflict`, an action that does not apply to the
 * user is 6 (conflict).
 */
async function onUser(
  email: string,
  io: OperatorIo,
  action: () => Promise<string>,
  conflict?: string,
): Promise<number> {
  try {
    io.out(await action());
    return EXIT.ok;
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') {
      io.err(`gantry: No user with the email "${email}"\n`);
      return EXIT.notFound;
    }
    if (conflict !== undefined && error instanceof AppError && error.code === 'conflict') {
      io.err(`gantry: ${conflict}\n`);
      return EXIT.conflict;
    }
    throw error;
  }
}

/**
 * `gantry users reset-password <email>`: a temporary password for someone who forgot theirs,
 * printed once (never logged); every session of theirs is signed out. Returns the exit code.
 */
export function runResetPasswordCommand(
  deps: Deps,
  email: string,
  io: OperatorIo = processOperatorIo,
): Promise<number> {
  return onUser(email, io, async () => {
    // Loaded on use: the user commands (HTTP only) start without the services.
    const { resetPasswordByOperator } = await import('./auth.service.js');
    const reset = await resetPasswordByOperator(deps, email);
    return (
      `Temporary password for ${email}: ${reset.temporaryPassword}\n` +
      `Signed out ${reset.sessionsRevoked} session${reset.sessionsRevoked === 1 ? '' : 's'}. ` +
      'Hand it over privately; they sign in with it and set their own under Settings → Password.\n'
    );
  });
}

/**
 * `gantry users reset-two-factor <email>`: two-factor sign-in off for someone who lost both their
 * authenticator and their recovery codes (their password is still needed). Returns the exit code.
 */
export function runResetTwoFactorCommand(
  deps: Deps,
  email: string,
  io: OperatorIo = processOperatorIo,
): Promise<number> {
  return onUser(
    email,
    io,
    async () => {
      const { resetTwoFactorByOperator } = await import('./two-factor.service.js');
      await resetTwoFactorByOperator(deps, email);
      return (
        `Two-factor sign-in is off for ${email}. They sign in with their password and can turn ` +
        'it on again under Settings → Two-factor sign-in.\n'
      );
    },
    `Two-factor sign-in is not on for ${email}`,
  );
}

/** Adds `gantry users …` to the command line program. */
export function registerUserCommands(program: Command, options: OperatorOptions = {}): void {
  const users = program.command('users').description('People: help with sign-in');
  users
    .command('reset-password')
    .description(
      'Give a user a temporary password and sign out all their sessions (recorded in their security log)',
    )
    .argument('<email>', "the user's email")
    .action(
      operatorAction(options, (deps, io, email: string) =>
        runResetPasswordCommand(deps, email, io),
      ),
    );
  users
    .command('reset-two-factor')
    .description(
      'Turn two-factor sign-in off for a user who lost their authenticator and recovery codes',
    )
    .argument('<email>', "the user's email")
    .action(
      operatorAction(options, (deps, io, email: string) =>
        runResetTwoFactorCommand(deps, email, io),
      ),
    );
}
