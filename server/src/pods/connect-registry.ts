/**
 * Access is live: every open Connect WebSocket (and terminal session) of this instance is
 * registered here under its (account, user, Pod), and re-checked every
 * {@link RECHECK_INTERVAL_MS} against the database through the policy, so a member who was
 * removed, lost `pods.connect`, or whose Pod stopped — on this instance or any other — loses
 * the connection within a few seconds. The registry also keeps each Pod's last Connect
 * traffic and writes it to the Pod (at most once per tick), for idle timeouts.
 */
import type { Caller, Deps } from '../context.js';
import { AppError } from '../errors.js';
import { recordPodTraffic } from './connect.store.js';
import { checkConnectAccess } from './pods.service.js';

/** How often open connections are re-checked (and traffic written). */
export const RECHECK_INTERVAL_MS = 2000;
/** At most this many (account, user, Pod) keys are checked per tick; the rest wait their turn. */
const MAX_CHECKS_PER_TICK = 200;

/** One open long-lived connection to a Pod. */
export interface LiveConnection {
  accountId: string;
  podId: string;
  caller: Caller;
  /** Ends the connection (both sides). Called at most once. */
  close(reason: string): void;
}

interface Entry {
  accountId: string;
  podId: string;
  caller: Caller;
  connections: Set<LiveConnection>;
}

/** The registry of one Gantry instance (one per app). */
export class ConnectRegistry {
  private readonly entries = new Map<string, Entry>();
  /** Pod id → the last traffic time (ms) not yet written. */
  private readonly traffic = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly deps: Deps,
    intervalMs = RECHECK_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Registers an open connection; returns the function that unregisters it (on close). */
  add(connection: LiveConnection): () => void {
    const key = `${connection.accountId}:${connection.caller.principal.userId}:${connection.podId}:${principalKey(connection.caller)}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        accountId: connection.accountId,
        podId: connection.podId,
        caller: connection.caller,
        connections: new Set(),
      };
      this.entries.set(key, entry);
    }
    entry.connections.add(connection);
    const held = entry;
    return () => {
      held.connections.delete(connection);
      if (held.connections.size === 0 && this.entries.get(key) === held) this.entries.delete(key);
    };
  }

  /** Open connections right now (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const entry of this.entries.values()) n += entry.connections.size;
    return n;
  }

  /** Notes Connect or terminal traffic on a Pod now. */
  touch(podId: string): void {
    this.traffic.set(podId, this.deps.clock.now().getTime());
  }

  /** One round: write traffic, re-check open connections. Rounds never overlap. */
  tick(): Promise<void> {
    if (!this.ticking) {
      this.ticking = this.runTick().finally(() => {
        this.ticking = null;
      });
    }
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    const traffic = [...this.traffic];
    this.traffic.clear();
    for (const [podId, at] of traffic) {
      await recordPodTraffic(this.deps.db, podId, new Date(at).toISOString()).catch(
        (error: unknown) =>
          this.deps.logger.warn({ err: error, podId }, 'recording traffic failed'),
      );
    }
    const keys = [...this.entries.keys()].slice(0, MAX_CHECKS_PER_TICK);
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (!entry) continue;
      // Checked keys go to the back: with more keys than a tick checks, each gets its turn.
      this.entries.delete(key);
      this.entries.set(key, entry);
      try {
        await checkConnectAccess(this.deps, entry.caller, entry.accountId, entry.podId);
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) {
          this.deps.logger.warn({ err: error }, 'connect re-check failed');
          continue;
        }
        for (const connection of [...entry.connections]) connection.close(error.code);
        this.entries.delete(key);
      }
    }
  }

  /** Stops re-checking (the app is closing; its sockets are destroyed by the app). */
  close(): void {
    clearInterval(this.timer);
  }
}

function principalKey(caller: Caller): string {
  return caller.principal.kind === 'session'
    ? `s:${caller.principal.sessionId}`
    : `k:${caller.principal.keyId}`;
}
