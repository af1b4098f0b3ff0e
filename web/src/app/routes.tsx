import type { RouteObject } from 'react-router-dom';
import { DashboardPage } from '../account/DashboardPage';
import { SettingsPage } from '../account/SettingsPage';
import { AuditLogsPage } from '../audit/AuditLogsPage';
import { SignInPage, SignUpPage } from '../auth/AuthPages';
import { BillingPage } from '../billing/BillingPage';
import { PodsPage } from '../pods/PodsPage';
import { AccountLayout, HomeRedirect, RequireSignIn } from './AppLayout';
import { NotFoundPage } from './NotFoundPage';

/** Pages inside an account (paths below /accounts/:accountId); modules add theirs. */
export const ACCOUNT_PAGES: RouteObject[] = [
  { index: true, element: <DashboardPage /> },
  { path: 'settings', element: <SettingsPage /> },
  { path: 'pods', element: <PodsPage /> },
  { path: 'billing', element: <BillingPage /> },
  { path: 'audit-logs', element: <AuditLogsPage /> },
];

/** Pages outside any account (e.g. the invite page); modules add theirs. */
export const PUBLIC_PAGES: RouteObject[] = [];

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
