import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router-dom';
import { ApiError } from './api/client';
import { queryKeys } from './api/query-keys';
import { FullPageLoader } from './app/guards';
import { routes } from './app/routes';
import { cssVariablesResolver, theme } from './app/theme';

/**
 * A 404 from anything on an account page may mean the caller lost the account itself (removed
 * from the team, the team deleted): the account is asked again, and its layout sends them on.
 */
function recheckAccountOn404(error: Error, queryKey?: readonly unknown[]) {
  if (!(error instanceof ApiError) || error.status !== 404 || queryKey?.[0] === 'account') return;
  void queryClient.invalidateQueries({ queryKey: queryKeys.accounts });
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({
    onError: (error, query) => recheckAccountOn404(error, query.queryKey),
  }),
  mutationCache: new MutationCache({
    onError: (error) => recheckAccountOn404(error),
    // Every change is audited: the audit views (Recent activity, the log) are read again.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['audit'] }),
  }),
  defaultOptions: {
    queries: {
      // Not-found and forbidden answers do not get better by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

const root = document.getElementById('root');
if (!root) throw new Error('missing #root');
createRoot(root).render(
  <StrictMode>
    {/* The scheme follows the system's (prefers-color-scheme). */}
    <MantineProvider
      theme={theme}
      defaultColorScheme="auto"
      cssVariablesResolver={cssVariablesResolver}
    >
      <Notifications />
      <QueryClientProvider client={queryClient}>
        <Suspense fallback={<FullPageLoader />}>
          <RouterProvider router={createBrowserRouter(routes)} />
        </Suspense>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
