import type { RouteObject } from 'react-router-dom';
import { DashboardPage } from '../account/DashboardPage';
import { SettingsPage } from '../account/SettingsPage';
import { ApiKeysPage } from '../apikeys/ApiKeysPage';
import { AuditLogsPage } from '../audit/AuditLogsPage';
import { SignInPage, SignUpPage } from '../auth/AuthPages';
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from '../auth/EmailLinkPages';
import { BillingPage } from '../billing/BillingPage';
import { PodDetailPage } from '../pods/PodDetailPage';
import { PodsPage } from '../pods/PodsPage';
import { InvitePage } from '../teams/InvitePage';
import { TeamPage } from '../teams/TeamPage';
import { AccountLayout, HomeRedirect, RequireSignIn } from './AppLayout';
import { NotFoundPage } from './NotFoundPage';

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
