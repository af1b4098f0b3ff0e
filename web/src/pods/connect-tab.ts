import { ApiError, api, call } from '../api/client';

/**
 * Opens the Pod's first Connect URL in a new tab. The tab is opened at once (the user's
 * click allows it) and pointed at the Pod once the URL is known; it gets no `opener`.
 * Resolves to an error message, or null when the tab was opened.
 */
export async function openConnectTab(accountId: string, podId: string): Promise<string | null> {
  const tab = window.open('about:blank', '_blank');
  try {
    const { urls } = await call(
      api.GET('/api/v1/accounts/{accountId}/pods/{podId}/connect', {
        params: { path: { accountId, podId } },
      }),
    );
    const url = urls[0];
    if (!url) throw new Error('This Pod exposes no port');
    if (tab) {
      tab.opener = null;
      tab.location.href = url;
    } else window.location.href = url;
    return null;
  } catch (error) {
    tab?.close();
    return error instanceof ApiError || error instanceof Error ? error.message : 'Failed';
  }
}
