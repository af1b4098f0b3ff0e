/** A stand-in origin to resolve `?next=` against (never contacted). */
const PROBE = 'http://console.invalid';

/**
 * Where to go after signing in or up: the console path `?next=` names, else `/`. Refused (so
 * `/`): anything that is not a path on the console's own origin (`//evil.test`, `/\evil.test`,
 * `https://…`), and Connect paths (`/pods/…`): a link must not deliver someone who just signed
 * in straight onto a Pod's page.
 */
export function safeNextPath(next: string | null): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are refused
  if (/[\u0000-\u001f\u007f]/.test(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, PROBE);
  } catch {
    return '/';
  }
  if (url.origin !== PROBE) return '/';
  const path = url.pathname.toLowerCase();
  if (path === '/pods' || path.startsWith('/pods/')) return '/';
  return url.pathname + url.search + url.hash;
}
