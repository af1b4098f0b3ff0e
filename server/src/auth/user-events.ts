import type { SessionCaller } from '../context.js';
import type { Executor } from '../db/database.js';
import { newId } from '../lib/ids.js';
import type { UserEventAction } from './auth.schemas.js';
import { insertUserEvent } from './auth.store.js';

/** What a security event records about who acted and from where. */
export interface EventContext {
  userId: string;
  /** The session that acted, when one did. */
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** The context of an event the operator caused (a command line reset): no session, no client. */
export function operatorEventContext(userId: string): EventContext {
  return { userId, sessionId: null, ip: null, userAgent: null };
}

/**
 * Writes one event of a user's security log; call it with the transaction of the change it
 * records, so there is no change without its event and no event without its change.
 */
export async function writeUserEvent(
  trx: Executor,
  context: EventContext,
  now: Date,
  action: UserEventAction,
  details: Record<string, unknown> | null = null,
): Promise<void> {
  await insertUserEvent(trx, {
    id: newId(),
    user_id: context.userId,
    action,
    session_id: context.sessionId,
    ip: context.ip,
    user_agent: context.userAgent?.slice(0, 512) ?? null,
    details: details === null ? null : JSON.stringify(details),
    created_at: now.toISOString(),
  });
}

/** The event context of a signed-in session caller. */
export function contextOf(caller: SessionCaller): EventContext {
  return {
    userId: caller.principal.userId,
    sessionId: caller.principal.sessionId,
    ip: caller.ip,
    userAgent: caller.userAgent,
  };
}
