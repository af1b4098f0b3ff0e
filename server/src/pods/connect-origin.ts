/**
 * Pod origins (`GANTRY_CONNECT_URL`, e.g. `https://{pod}-{port}.connect.example.com`): the
 * origin of each Pod port, and which Pod port a request's `Host` names.
 */
import { POD_ID_PATTERN } from './runtime/driver.js';

/** A Connect URL pattern, compiled once. */
export interface ConnectOrigins {
  /** `https:` or `http:`. */
  protocol: string;
  /** The origin of port `port` of Pod `podId`. */
  originOf(podId: string, port: number): string;
  /** The Pod port a `Host` header names, or null when it is no Pod origin's host. */
  parseHost(host: string | undefined): { podId: string; port: number } | null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles a pattern that `connectUrlProblem` (config.ts) accepted. */
export function compileConnectOrigins(pattern: string): ConnectOrigins {
  const protocol = pattern.startsWith('https:') ? 'https:' : 'http:';
  const hostPattern = pattern.slice(pattern.indexOf('//') + 2).toLowerCase();
  const source = escapeRegExp(hostPattern)
    .replace(escapeRegExp('{pod}'), '([a-z0-9][a-z0-9_-]{0,127})')
    .replace(escapeRegExp('{port}'), '([1-9][0-9]{0,4})');
  const matcher = new RegExp(`^${source}$`);
  // A default port is left out of the Host header by browsers.
  const defaultPort = protocol === 'https:' ? ':443' : ':80';
  return {
    protocol,
    originOf(podId, port) {
      return pattern.replace('{pod}', podId.toLowerCase()).replace('{port}', String(port));
    },
    parseHost(host) {
      if (!host || host.length > 300) return null;
      let lower = host.toLowerCase();
      if (!hostPattern.includes(':') && lower.endsWith(defaultPort)) {
        lower = lower.slice(0, -defaultPort.length);
      }
      const match = matcher.exec(lower);
      if (!match) return null;
      const placeholders = hostPattern.indexOf('{pod}') < hostPattern.indexOf('{port}');
      const podId = (placeholders ? match[1] : match[2]) ?? '';
      const port = Number(placeholders ? match[2] : match[1]);
      if (!POD_ID_PATTERN.test(podId) || port > 65535) return null;
      return { podId, port };
    },
  };
}
