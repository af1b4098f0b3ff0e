import { type ComponentType, lazy } from 'react';
import type { RouteObject } from 'react-router-dom';
import { HomeRedirect, RequireSignIn } from './guards';
import { NotFoundPage } from './NotFoundPage';

/**
 * A page loaded with its own chunk when first opened (React.lazy): the sign-in page does not
 * carry the charts of Billing, the date pickers of Audit logs and API keys, or the QR code of
 * two-factor set-up. The Suspense around account pages is in AccountLayout, the rest's in main.
 */
function page<M>(load: () => Promise<M>, name: keyof M) {
  return lazy(async () => ({ default: (await load())[name] as ComponentType }));
}

/** The account frame (header, switcher, navigation): not needed to sign in. */
const AccountLayout = page(() => import('./AppLayout'), 'AccountLayout');
const DashboardPage = page(() => import('../account/DashboardPage'), 'DashboardPage');
const SettingsPage = page(() => import('../account/SettingsPage'), 'SettingsPage');
const ApiKeysPage = page(() => import('../apikeys/ApiKeysPage'), 'ApiKeysPage');
const AuditLogsPage = page(() => import('../audit/AuditLogsPage'), 'AuditLogsPage');
const SignInPage = page(() => import('../auth/AuthPages'), 'SignInPage');
const SignUpPage = page(() => import('../auth/AuthPages'), 'SignUpPage');
const BillingPage = page(() => import('../billing/BillingPage'), 'BillingPage');
const PodsPage = page(() => import('../pods/PodsPage'), 'PodsPage');
const PodDetailPage = page(() => import('../pods/PodDetailPage'), 'PodDetailPage');
const VerifyEmailPage = page(() => import('../auth/EmailLinkPages'), 'VerifyEmailPage');
const ForgotPasswordPage = page(() => import('../auth/EmailLinkPages'), 'ForgotPasswordPage');
const ResetPasswordPage = page(() => import('../auth/EmailLinkPages'), 'ResetPasswordPage');
const InvitePage = page(() => import('../teams/InvitePage'), 'InvitePage');
const TeamPage = page(() => import('../teams/TeamPage'), 'TeamPage');

/** Pages inside an account (paths below /accounts/:accountId); modules add theirs. */
export const ACCOUNT_PAGES: RouteObject[] = [
  { index: true, element: <DashboardPage /> },
  { path: 'settings', element: <SettingsPage /> },
  { path: 'settings/api-keys', element: <ApiKeysPage /> },
  { path: 'pods', element: <PodsPage /> },
  { path: 'pods/:podId', element: <PodDetailPage /> },
  { path: 'billing', element: <BillingPage /> },
  { path: 'team', element: <TeamPage /> },
  { path: 'audit-logs', element: <AuditLogsPage /> },
];

/** Pages outside any account (e.g. the invite page); modules add theirs. */
export const PUBLIC_PAGES: RouteObject[] = [
  { path: '/invite/:token', element: <InvitePage /> },
  { path: '/verify-email/:token', element: <VerifyEmailPage /> },
  { path: '/forgot-password', element: <ForgotPasswordPage /> },
  { path: '/reset-password/:token', element: <ResetPasswordPage /> },
];

export const routes: RouteObject[] = [
  { path: '/signin', element: <SignInPage /> },
  { path: '/signup', element: <SignUpPage /> },
  ...PUBLIC_PAGES,
  {
    path: '/',
    element: (
      <RequireSignIn>
        <HomeRedirect />
      </RequireSignIn>
    ),
  },
  {
    path: '/accounts/:accountId',
    element: (
      <RequireSignIn>
        <AccountLayout />
      </RequireSignIn>
    ),
    children: ACCOUNT_PAGES,
  },
  { path: '*', element: <NotFoundPage /> },
];
