/**
 * Small HTML pages a browser gets instead of JSON when it opens a Connect URL that cannot be
 * served: sign in and come back, the Pod is not running (with its status and a link to the
 * Pods page), no permission, not found. API clients keep the JSON errors.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AppError } from '../errors.js';

/** true when the request is a browser opening a page (rather than a script or API client calling). */
export function wantsHtml(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (headers['sec-fetch-mode'] === 'navigate') return true;
  return (headers.accept ?? '').includes('text/html');
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** What the page may say about the Pod (only to a caller allowed to connect to it). */
export interface PagePod {
  status: string;
  podsUrl: string;
}

/** The page for `error` (the console at `consoleUrl`); `retryUrl` is where "come back" goes. */
export function connectErrorPage(
  error: AppError,
  consoleUrl: string,
  retryUrl: string,
  pod?: PagePod,
): string {
  let title: string;
  let body: string;
  switch (error.code) {
    case 'unauthenticated':
      title = 'Sign in to open this Pod';
      body = `<p>${escapeHtml(error.message)}.</p>
<p><a id="sign-in" href="${escapeHtml(`${consoleUrl}/signin`)}">Sign in</a>, then
<a id="retry" href="${escapeHtml(retryUrl)}">come back to this Pod</a>.</p>`;
      break;
    case 'pod_not_running':
      title = 'This Pod is not running';
      body = `<p>The Pod is <strong id="pod-status">${escapeHtml(pod?.status ?? 'not running')}</strong>.
Start it from the Pods page, then open it again.</p>
${pod ? `<p><a id="pods-page" href="${escapeHtml(pod.podsUrl)}">Go to the Pods page</a></p>` : ''}`;
      break;
    case 'forbidden':
    case 'cross_site_request':
    case 'two_factor_required_by_team':
      title = 'You cannot open this Pod';
      body = `<p>${escapeHtml(error.message)}</p>
<p>Your role on this account does not let you connect to its Pods. Ask an Admin of the team.</p>
<p><a href="${escapeHtml(consoleUrl)}">Back to Gantry</a></p>`;
      break;
    case 'not_found':
      title = 'Pod not found';
      body = `<p>There is no such Pod, or it is not in an account of yours.</p>
<p><a href="${escapeHtml(consoleUrl)}">Back to Gantry</a></p>`;
      break;
    default:
      title = 'This Pod cannot be opened';
      body = `<p>${escapeHtml(error.message)}</p>
<p><a href="${escapeHtml(consoleUrl)}">Back to Gantry</a></p>`;
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)} · Gantry</title>
<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}a{color:#1c7ed6}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
<p style="color:#888;font-size:.8rem">${escapeHtml(error.code)}</p>
</body></html>
`;
}

/** Headers of such a page: no script, nothing framed or cached. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;
