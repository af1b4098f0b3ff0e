import fastifyCookie from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { listAccounts } from '../accounts/accounts.service.js';
import type { Deps } from '../context.js';
import { notFound } from '../errors.js';
import { readCookie } from '../http/authenticate.js';
import {
  callerOf,
  DEVICE_COOKIE,
  metaOf,
  SESSION_COOKIE,
  sessionCallerOf,
} from '../http/request.js';
import { answer, errorResponses } from '../http/schemas.js';
import { mailConfigured } from '../mail/mail.outbox.js';
import {
  ChangeEmailBody,
  ChangeEmailResponse,
  ChangePasswordBody,
  ChangePasswordResponse,
  LoginBody,
  LoginResponse,
  MailStatusResponse,
  MeResponse,
  PasswordResetBody,
  PasswordResetConfirmBody,
  PasswordResetConfirmResponse,
  RecoveryCodesBody,
  RecoveryCodesResponse,
  RevokedSessionsResponse,
  SessionParams,
  SessionSchema,
  SignupBody,
  SignupResponse,
  TwoFactorDisableBody,
  TwoFactorEnableBody,
  TwoFactorSetupBody,
  TwoFactorSetupResponse,
  TwoFactorStatusResponse,
  UpdateMeBody,
  UpdateMeResponse,
  UserEventsPage,
  UserEventsQuery,
  VerifyEmailBody,
  VerifyEmailResponse,
} from './auth.schemas.js';
import {
  changeEmail,
  changePassword,
  type IssuedSession,
  listSessions,
  listUserEvents,
  login,
  logout,
  revokeOtherSessions,
  revokeSession,
  signup,
  toUserDto,
  updateProfile,
} from './auth.service.js';
import { findUserById } from './auth.store.js';
import {
  confirmPasswordReset,
  requestPasswordReset,
  resendVerification,
  verifyEmail,
} from './email.service.js';
import {
  disableTwoFactor,
  enableTwoFactor,
  getTwoFactorStatus,
  regenerateRecoveryCodes,
  startTwoFactorSetup,
} from './two-factor.service.js';

const tags = ['auth'];

export const authRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Only these routes set cookies: the cookie plugin (reply.setCookie and the onSend hook that
    // writes Set-Cookie) is registered in their context, so no other answer runs that hook. It
    // parses nothing: the API reads its one or two cookies with `readCookie`.
    await app.register(fastifyCookie, { hook: false });
    const secure = deps.config.publicUrl.startsWith('https:');
    const setSessionCookie = (reply: FastifyReply, session: IssuedSession) =>
      reply.setCookie(SESSION_COOKIE, session.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: '/',
        expires: session.expiresAt,
      });

    app.post(
      '/auth/signup',
      {
        schema: {
          operationId: 'signUp',
          security: [],
          description:
            'Public. Creates a user with the email, password and name given, and their personal account (the user is its owner), then signs them in: the answer sets the session cookie. An email already in use is 409 `email_taken`; too many attempts are 429.',
          tags,
          summary: 'Sign up: creates a user and their personal account, and signs in',
          body: SignupBody,
          response: {
            201: answer(
              'The new user and their personal account; the session cookie is set',
              SignupResponse,
            ),
            ...errorResponses(400, 403, 409, 429),
          },
        },
      },
      async (request, reply) => {
        const result = await signup(deps, metaOf(request), request.body);
        setSessionCookie(reply, result.session);
        return reply.status(201).send({ user: result.user, account: result.account });
      },
    );

    app.post(
      '/auth/login',
      {
        schema: {
          operationId: 'signIn',
          security: [],
          tags,
          summary: 'Sign in with email and password (and a code, with two-factor sign-in)',
          description:
            'For a user with two-factor sign-in, the right password without `code` answers 401 ' +
            '`two_factor_required`: ask for the code and send all three again. A wrong or used ' +
            'code is 401 `invalid_two_factor_code`.',
          body: LoginBody,
          response: {
            200: answer('Signed in: the session cookie is set', LoginResponse),
            ...errorResponses(400, 401, 403, 429),
          },
        },
      },
      async (request, reply) => {
        const result = await login(
          deps,
          metaOf(request),
          request.body,
          readCookie(request.headers.cookie, DEVICE_COOKIE),
        );
        setSessionCookie(reply, result.session);
        reply.setCookie(DEVICE_COOKIE, result.device, {
          httpOnly: true,
          sameSite: 'lax',
          secure,
          path: '/api/v1/auth/login',
          maxAge: 180 * 24 * 3600,
        });
        return { user: result.user };
      },
    );

    app.post(
      '/auth/logout',
      {
        schema: {
          operationId: 'signOut',
          description:
            'Ends the session of the cookie sent and clears the cookie. Other sessions of the user stay signed in.',
          tags,
          summary: 'Sign out of this session',
          response: { 204: answer('Signed out', Type.Null()), ...errorResponses(401) },
        },
      },
      async (request, reply) => {
        await logout(deps, callerOf(request));
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/auth/sessions',
      {
        schema: {
          operationId: 'listSessions',
          description:
            'The browsers and devices where the caller is signed in, this one marked, with when each was last used. Sessions only: an API key is 403.',
          tags,
          summary: 'My signed-in sessions',
          response: {
            200: answer(
              "The caller's sessions",
              Type.Object({ items: Type.Array(SessionSchema), nextCursor: Type.Null() }),
            ),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => ({
        items: await listSessions(deps, sessionCallerOf(request)),
        nextCursor: null,
      }),
    );

    app.delete(
      '/auth/sessions',
      {
        schema: {
          operationId: 'revokeOtherSessions',
          description:
            'Signs out every session of the caller except the one making the request (e.g. after losing a device).',
          tags,
          summary: 'Sign out all my other sessions, keeping this one',
          response: {
            200: answer('How many sessions were signed out', RevokedSessionsResponse),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => ({ revoked: await revokeOtherSessions(deps, sessionCallerOf(request)) }),
    );

    app.delete(
      '/auth/sessions/:sessionId',
      {
        schema: {
          operationId: 'revokeSession',
          description:
            "Signs out one of the caller's sessions. Another user's session, or one that is gone, is 404.",
          tags,
          summary: 'Revoke one of my sessions',
          params: SessionParams,
          response: {
            204: answer('The session is signed out', Type.Null()),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        await revokeSession(deps, sessionCallerOf(request), request.params.sessionId);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/auth/mail',
      {
        schema: {
          operationId: 'getMailStatus',
          description:
            'Public. Whether this Gantry sends mail (`mailConfigured`: verification and reset links go out) and whether invites may be bound to an email address (`invitesByEmail`).',
          tags,
          security: [],
          summary: 'Whether Gantry sends mail (verification, password reset)',
          response: {
            200: answer('What this Gantry mails', MailStatusResponse),
            ...errorResponses(400),
          },
        },
      },
      async () => ({
        mailConfigured: mailConfigured(deps),
        invitesByEmail: mailConfigured(deps) || deps.config.manualEmailVerification,
      }),
    );

    app.post(
      '/auth/verify-email',
      {
        schema: {
          operationId: 'verifyEmail',
          tags,
          security: [],
          summary: 'Verify an email address with the token of the link mailed to it',
          description:
            'No sign-in needed. A malformed or unknown token is 400 `invalid_token`; a used one ' +
            '410 `token_used`, an expired one 410 `token_expired`. For a change of email, the new ' +
            'address becomes the one to sign in with (409 `email_taken` if someone took it meanwhile).',
          body: VerifyEmailBody,
          response: {
            200: answer('The user, with the address verified', VerifyEmailResponse),
            ...errorResponses(400, 409, 410),
          },
        },
      },
      async (request) => ({
        user: toUserDto(await verifyEmail(deps, metaOf(request), request.body.token)),
      }),
    );

    app.post(
      '/auth/verify-email/resend',
      {
        schema: {
          operationId: 'resendVerificationEmail',
          tags,
          summary: 'Mail me a new verification link',
          description:
            'Throttled per user and per IP (429); 409 when the email is verified already.',
          response: {
            202: answer('A new link is on its way', Type.Null()),
            ...errorResponses(401, 403, 409, 429),
          },
        },
      },
      async (request, reply) => {
        await resendVerification(deps, sessionCallerOf(request));
        return reply.status(202).send(null);
      },
    );

    app.post(
      '/auth/password-reset',
      {
        schema: {
          operationId: 'requestPasswordReset',
          tags,
          security: [],
          summary: 'Forgot password: mail a reset link (1 hour, single use) to this email',
          description:
            'Answers 202 for any email, known or not, in similar time; throttled per IP and per email (429).',
          body: PasswordResetBody,
          response: {
            202: answer('Accepted, whether or not the email is known', Type.Null()),
            ...errorResponses(400, 429),
          },
        },
      },
      async (request, reply) => {
        await requestPasswordReset(deps, metaOf(request), request.body);
        return reply.status(202).send(null);
      },
    );

    app.post(
      '/auth/password-reset/confirm',
      {
        schema: {
          operationId: 'confirmPasswordReset',
          tags,
          security: [],
          summary: 'Set a new password with the token of a reset link; signs out every session',
          description:
            'A malformed or unknown token is 400 `invalid_token`; used 410 `token_used`, expired ' +
            '410 `token_expired`; nothing changes then. Sign in with the new password afterwards.',
          body: PasswordResetConfirmBody,
          response: {
            200: answer(
              'The new password is set; every session is signed out',
              PasswordResetConfirmResponse,
            ),
            ...errorResponses(400, 410),
          },
        },
      },
      async (request, reply) => {
        const done = await confirmPasswordReset(deps, metaOf(request), request.body);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return { sessionsRevoked: done.sessionsRevoked };
      },
    );

    app.get(
      '/me',
      {
        schema: {
          operationId: 'getMe',
          description:
            'The signed-in user (session or API key) and every account they are a member of, with their role in each.',
          tags,
          summary: 'The signed-in user and the accounts they belong to',
          response: {
            200: answer('The user and their accounts', MeResponse),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const user = await findUserById(deps.db, caller.principal.userId);
        if (!user) throw notFound('User');
        return { user: toUserDto(user), memberships: await listAccounts(deps, caller) };
      },
    );

    app.patch(
      '/me',
      {
        schema: {
          operationId: 'updateMe',
          description:
            "Changes the signed-in user's display name, as members and audit logs show it.",
          tags,
          summary: 'Change my name',
          body: UpdateMeBody,
          response: {
            200: answer('The user with the new name', UpdateMeResponse),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => ({
        user: await updateProfile(deps, sessionCallerOf(request), request.body),
      }),
    );

    app.post(
      '/me/email',
      {
        schema: {
          operationId: 'changeEmail',
          tags,
          summary: 'Change the email I sign in with (my password needed)',
          description:
            'A wrong password is 400 `wrong_password` (throttled per user: 429); an email another ' +
            'user has, in any case, is 409 `email_taken`.',
          body: ChangeEmailBody,
          response: {
            200: answer(
              'The user, and whether the new email waits for its link',
              ChangeEmailResponse,
            ),
            ...errorResponses(400, 401, 403, 409, 429),
          },
        },
      },
      async (request) => changeEmail(deps, sessionCallerOf(request), request.body),
    );

    app.post(
      '/me/password',
      {
        schema: {
          operationId: 'changePassword',
          tags,
          summary: 'Change my password (needs the current one) and sign out all my other sessions',
          description:
            'A wrong current password answers 400 `wrong_password`; repeated ones are throttled (429).',
          body: ChangePasswordBody,
          response: {
            200: answer(
              'The password is changed and the other sessions are signed out',
              ChangePasswordResponse,
            ),
            ...errorResponses(400, 401, 403, 409, 429),
          },
        },
      },
      async (request) => ({
        revoked: await changePassword(deps, sessionCallerOf(request), request.body),
      }),
    );

    app.get(
      '/me/two-factor',
      {
        schema: {
          operationId: 'getTwoFactor',
          description:
            'Whether two-factor sign-in (an authenticator app) is on for the signed-in user, and how many unused recovery codes they have.',
          tags,
          summary: 'Whether two-factor sign-in is on for me, and how many recovery codes are left',
          response: {
            200: answer('The two-factor sign-in status', TwoFactorStatusResponse),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => getTwoFactorStatus(deps, sessionCallerOf(request)),
    );

    app.post(
      '/me/two-factor/setup',
      {
        schema: {
          operationId: 'setUpTwoFactor',
          tags,
          summary:
            'Start turning two-factor sign-in on: a new authenticator secret (password needed)',
          description:
            'The secret waits for its first code (`/me/two-factor/enable`); a new set-up replaces ' +
            'one that was waiting. 409 when two-factor sign-in is on already.',
          body: TwoFactorSetupBody,
          response: {
            200: answer(
              'The new secret, as text and as an otpauth:// URI for a QR code',
              TwoFactorSetupResponse,
            ),
            ...errorResponses(400, 401, 403, 409, 429),
          },
        },
      },
      async (request) => startTwoFactorSetup(deps, sessionCallerOf(request), request.body),
    );

    app.post(
      '/me/two-factor/enable',
      {
        schema: {
          operationId: 'enableTwoFactor',
          tags,
          summary: "Turn two-factor sign-in on with the app's first code; returns recovery codes",
          description:
            'The ten recovery codes are shown this once. A wrong code is 400 `wrong_code`; ' +
            'repeated ones are throttled (429).',
          body: TwoFactorEnableBody,
          response: {
            200: answer(
              'Two-factor sign-in is on; the recovery codes, shown this once',
              RecoveryCodesResponse,
            ),
            ...errorResponses(400, 401, 403, 409, 429),
          },
        },
      },
      async (request) => enableTwoFactor(deps, sessionCallerOf(request), request.body),
    );

    app.post(
      '/me/two-factor/disable',
      {
        schema: {
          operationId: 'disableTwoFactor',
          description:
            'Turns two-factor sign-in off after checking the password and a current authenticator code or a recovery code; the unused recovery codes are deleted. A team that requires two-factor sign-in then refuses the user (403 `two_factor_required_by_team`).',
          tags,
          summary: 'Turn two-factor sign-in off (password and a code or recovery code needed)',
          body: TwoFactorDisableBody,
          response: {
            204: answer('Two-factor sign-in is off', Type.Null()),
            ...errorResponses(400, 401, 403, 409, 429),
          },
        },
      },
      async (request, reply) => {
        await disableTwoFactor(deps, sessionCallerOf(request), request.body);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/me/two-factor/recovery-codes',
      {
        schema: {
          operationId: 'regenerateRecoveryCodes',
          description:
            'Replaces every recovery code of the signed-in user with ten new ones, after checking the password; the old codes stop working. Needs two-factor sign-in on (409 otherwise).',
          tags,
          summary: 'New recovery codes in place of all the old ones (password needed)',
          body: RecoveryCodesBody,
          response: {
            200: answer('The new recovery codes, shown this once', RecoveryCodesResponse),
            ...errorResponses(400, 401, 403, 409, 429),
          },
        },
      },
      async (request) => regenerateRecoveryCodes(deps, sessionCallerOf(request), request.body),
    );

    app.get(
      '/me/events',
      {
        schema: {
          operationId: 'listMyEvents',
          description:
            "The signed-in user's own security log, newest first and paged: sign-ins and failed attempts, sign-outs, sessions revoked, name, email, password and two-factor changes.",
          tags,
          summary: 'My security activity: sign-ins, sign-outs, sessions, profile and password',
          querystring: UserEventsQuery,
          response: {
            200: answer('A page of security events', UserEventsPage),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => listUserEvents(deps, sessionCallerOf(request), request.query),
    );
  };
