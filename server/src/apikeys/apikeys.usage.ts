import type { Deps } from '../context.js';
import { touchApiKey } from './apikeys.store.js';

/** A stored last-used time younger than this is left alone. */
export const LAST_USED_PRECISION_MS = 60_000;
/** Uses are collected in memory and written at most this often. */
export const LAST_USED_FLUSH_MS = 30_000;

/**
 * Keeps API keys' last-used times without a database write per request: a use
 * is noted in memory only when the stored time is older than a minute, and the
 * notes are written together at most every 30 seconds (and when the app closes).
 */
class ApiKeyUsage {
  readonly #pending = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: Deps) {}

  record(keyId: string, storedLastUsedAt: string | null, now: Date): void {
    if (storedLastUsedAt && now.getTime() - Date.parse(storedLastUsedAt) < LAST_USED_PRECISION_MS)
      return;
    this.#pending.set(keyId, now.toISOString());
    this.#timer ??= setTimeout(() => {
      this.flush().catch((error: unknown) =>
        this.deps.logger.warn({ err: error }, 'could not record API key use'),
      );
    }, LAST_USED_FLUSH_MS).unref();
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const entries = [...this.#pending];
    this.#pending.clear();
    for (const [keyId, at] of entries) await touchApiKey(this.deps.db, keyId, at);
  }
}

const usageByDeps = new WeakMap<Deps, ApiKeyUsage>();

function usageOf(deps: Deps): ApiKeyUsage {
  let usage = usageByDeps.get(deps);
  if (!usage) {
    usage = new ApiKeyUsage(deps);
    usageByDeps.set(deps, usage);
  }
  return usage;
}

/** Notes that a key was used now; written later by {@link flushApiKeyUsage} or a timer. */
export function recordApiKeyUse(
  deps: Deps,
  keyId: string,
  storedLastUsedAt: string | null,
  now: Date,
): void {
  usageOf(deps).record(keyId, storedLastUsedAt, now);
}

/** Writes every noted key use now (the app calls it when it closes). */
export function flushApiKeyUsage(deps: Deps): Promise<void> {
  return usageByDeps.get(deps)?.flush() ?? Promise.resolve();
}
