import { useQuery } from '@tanstack/react-query';
import { api, call } from '../api/client';

/** Whether this Gantry sends mail (verification, password reset): the sign-in page's note. */
export function useMailStatus() {
  return useQuery({
    queryKey: ['auth', 'mail'],
    queryFn: () => call(api.GET('/api/v1/auth/mail')),
    staleTime: 5 * 60_000,
  });
}
