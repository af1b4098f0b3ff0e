/**
 * Entering a Pod origin: the console hands a signed-in session over to one Pod port with a
 * single-use code (256 random bits, stored hashed, valid {@link HANDOFF_TTL_MS}) in the URL,
 * which the Pod origin exchanges for a cookie host-only to itself, bound to the user, their
 * console session (signing out ends it) and the Pod port. The cookie only says who the
 * visitor is: every request on the Pod origin is still authorized against the user's current
 * `pods.connect` (see connect.ts).
 */

import type { Deps, Principal } from '../context.js';
import { transact } from '../db/transaction.js';
import { hashToken, newToken } from '../lib/secrets.js';
import {
  findConnectSession,
  insertConnectSession,
  insertHandoff,
  takeHandoff,
} from './connect.store.js';

/** How long a handoff code may wait to be redeemed. */
export const HANDOFF_TTL_MS = 60_000;
/** The longest a Pod-origin session lives (and never longer than its console session). */
export const CONNECT_SESSION_MAX_MS = 12 * 3600_000;
/** The Pod-origin cookie's name; it never reaches the Pod. */
export const CONNECT_COOKIE = 'gantry_connect';
/** The reserved path on a Pod origin that redeems a handoff code. */
export const HANDOFF_PATH = '/__gantry/handoff';

type SessionPrincipal = Extract<Principal, { kind: 'session' }>;

/** Issues a handoff code for `principal` to enter port `port` of Pod `podId` at `nextPath`. */
export async function createHandoff(
  deps: Deps,
  principal: SessionPrincipal,
  podId: string,
  port: number,
  nextPath: string,
): Promise<string> {
  const code = newToken(32);
  const now = deps.clock.now();
  await insertHandoff(deps.db, {
    code_hash: hashToken(code),
    user_id: principal.userId,
    session_id: principal.sessionId,
    pod_id: podId,
    port,
    next_path: nextPath,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + HANDOFF_TTL_MS).toISOString(),
  });
  return code;
}

/** A redeemed handoff: the Pod-origin session's secret, its lifetime and where to land. */
export interface RedeemedHandoff {
  token: string;
  maxAgeSeconds: number;
  nextPath: string;
}

/** Exchanges a handoff code for a Pod-origin session; null when it is unknown, used, expired or for another Pod port. */
export async function redeemHandoff(
  deps: Deps,
  code: string,
  podId: string,
  port: number,
): Promise<RedeemedHandoff | null> {
  if (code.length < 20 || code.length > 128) return null;
  const now = deps.clock.now();
  return transact(deps.db, async (trx) => {
    const handoff = await takeHandoff(trx, hashToken(code), podId, port, now.toISOString());
    if (!handoff) return null;
    const session = await trx
      .selectFrom('sessions')
      .select('expires_at')
      .where('id', '=', handoff.session_id)
      .executeTakeFirst();
    if (!session) return null;
    const expires = Math.min(
      Date.parse(session.expires_at),
      now.getTime() + CONNECT_SESSION_MAX_MS,
    );
    if (expires <= now.getTime()) return null;
    const token = newToken(32);
    await insertConnectSession(trx, {
      token_hash: hashToken(token),
      user_id: handoff.user_id,
      session_id: handoff.session_id,
      pod_id: podId,
      port,
      created_at: now.toISOString(),
      expires_at: new Date(expires).toISOString(),
    });
    return {
      token,
      maxAgeSeconds: Math.floor((expires - now.getTime()) / 1000),
      nextPath: handoff.next_path,
    };
  });
}

/** Who a Pod-origin cookie belongs to, or null when it is unknown, expired or its console session ended. */
export async function authenticateConnectSession(
  deps: Deps,
  token: string,
  podId: string,
  port: number,
): Promise<SessionPrincipal | null> {
  if (token.length < 20 || token.length > 128) return null;
  const row = await findConnectSession(deps.db, hashToken(token), podId, port);
  if (!row) return null;
  const now = deps.clock.now().getTime();
  if (
    now >= Date.parse(row.expires_at) ||
    now >= Date.parse(row.session_expires_at) ||
    now >= Date.parse(row.session_last_seen_at) + deps.config.sessionIdleSeconds * 1000
  ) {
    return null;
  }
  return {
    kind: 'session',
    userId: row.user_id,
    email: row.email,
    name: row.name,
    sessionId: row.session_id,
  };
}
