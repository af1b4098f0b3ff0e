import { type QueryClient, useMutation } from '@tanstack/react-query';
import { api, call, hasErrorCode } from '../api/client';
import { queryKeys } from '../api/query-keys';

/** What sign-in sends: email and password, and the second factor's code when asked for. */
export interface SignInInput {
  email: string;
  password: string;
  code?: string;
}

/** Signs in; `onNeedsCode` is told when the user has two-factor sign-in and sent no code. */
export function useSignIn(onSuccess: () => void, onNeedsCode: () => void) {
  return useMutation({
    mutationFn: (body: SignInInput) => call(api.POST('/api/v1/auth/login', { body })),
    onSuccess,
    onError: (error) => hasErrorCode(error, 'two_factor_required') && onNeedsCode(),
  });
}

/** Creates an account (and signs in). */
export function useSignUp(onSuccess: () => void) {
  return useMutation({
    mutationFn: (body: { name: string; email: string; password: string }) =>
      call(api.POST('/api/v1/auth/signup', { body })),
    onSuccess,
  });
}

/** Signs out of this session; `onSettled` runs whether the server answered or not. */
export function useSignOut(onSettled: () => void | Promise<void>) {
  return useMutation({ mutationFn: () => call(api.POST('/api/v1/auth/logout')), onSettled });
}

/** After sign-out: the signed-in user is forgotten and everything else is asked again. */
export async function forgetSignedInUser(queryClient: QueryClient) {
  queryClient.removeQueries({ queryKey: queryKeys.me });
  await queryClient.invalidateQueries();
}
