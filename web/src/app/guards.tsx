import { Center, Loader } from '@mantine/core';
import { lazy, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { meIsLoading, useMe } from '../api/hooks';

/** Rarely seen: loaded with the account frame's chunk when it is. */
const NoAccountPage = lazy(async () => ({ default: (await import('./AppLayout')).NoAccountPage }));

/** Redirects anonymous visitors to sign in, coming back here afterwards. */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (meIsLoading(me)) return <FullPageLoader />;
  if (!me.data) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/signin?next=${next}`} replace />;
  }
  return <>{children}</>;
}

/** While a page's data or code loads: a spinner, named for screen readers. */
export function FullPageLoader() {
  return (
    <Center mih="100vh" component="main">
      <Loader aria-label="Loading" />
    </Center>
  );
}

/** `/`: go to the personal account (or the first one). */
export function HomeRedirect() {
  const me = useMe();
  if (meIsLoading(me)) return <FullPageLoader />;
  if (!me.data) return <Navigate to="/signin" replace />;
  const first = me.data.memberships[0];
  if (!first) return <NoAccountPage />;
  return <Navigate to={`/accounts/${first.account.id}`} replace />;
}
