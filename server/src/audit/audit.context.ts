import type { Caller } from '../context.js';
import type { AuditContext } from './audit.events.js';

/** The audit actor and request facts of a signed-in caller. */
export function auditContextOf(caller: Caller): AuditContext {
  const { principal } = caller;
  return {
    actor:
      principal.kind === 'apikey'
        ? { type: 'apikey', id: principal.keyId, userId: principal.userId, email: principal.email }
        : { type: 'user', id: principal.userId, userId: principal.userId, email: principal.email },
    ip: caller.ip,
    userAgent: caller.userAgent,
    requestId: caller.requestId,
  };
}
