/**
 * Pods that stop on their own: `stopAfter` / `terminateAfter` (an ISO time, or an ISO-8601
 * duration from now such as `PT2H`) and an idle timeout (no Connect or terminal traffic for
 * N minutes). Pure functions: parsing the deadlines, and deciding what is due now. The meter
 * (billing/meter.ts) enforces them through the Pods service.
 */

import type { PodRow } from '../db/schema.js';
import { AppError } from '../errors.js';

/** The furthest ahead a deadline may be. */
export const MAX_DEADLINE_MS = 366 * 86_400_000;
/** Idle timeouts from one minute to a week. */
export const IDLE_TIMEOUT_LIMITS = { minimum: 1, maximum: 7 * 24 * 60 } as const;

const DURATION = /^P(?:(\d{1,4})D)?(?:T(?:(\d{1,5})H)?(?:(\d{1,6})M)?(?:(\d{1,7})S)?)?$/;

/**
 * The moment `value` names, from `now`: an ISO-8601 duration (`P1D`, `PT2H30M`, days, hours,
 * minutes and seconds) or an ISO time with its offset. 400 for anything else, for a time not
 * in the future, or for one more than a year ahead. `field` names the body field in the message.
 */
export function parseDeadline(value: string, now: Date, field: string): Date {
  const duration = DURATION.exec(value);
  let at: number;
  if (duration && value !== 'P' && value !== 'PT' && !value.endsWith('T')) {
    const [, d = '0', h = '0', m = '0', s = '0'] = duration;
    at = now.getTime() + ((Number(d) * 24 + Number(h)) * 3600 + Number(m) * 60 + Number(s)) * 1000;
  } else if (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
  ) {
    at = Date.parse(value);
    if (Number.isNaN(at)) throw new AppError('invalid_input', `body/${field} is not a valid time`);
  } else {
    throw new AppError(
      'invalid_input',
      `body/${field} must be an ISO time (2026-12-24T18:00:00Z) or a duration (PT2H, P1DT12H)`,
    );
  }
  if (at <= now.getTime()) {
    throw new AppError('invalid_input', `body/${field} must be in the future`);
  }
  if (at - now.getTime() > MAX_DEADLINE_MS) {
    throw new AppError('invalid_input', `body/${field} must be at most a year ahead`);
  }
  return new Date(at);
}

/** What the schedule asks of a Pod now, if anything. */
export interface ScheduledEnd {
  move: 'stop' | 'terminate';
  reason: 'terminate_after' | 'stop_after' | 'idle_timeout';
  details: Record<string, unknown>;
}

type ScheduledPod = Pick<
  PodRow,
  'status' | 'stop_at' | 'terminate_at' | 'idle_timeout_minutes' | 'last_traffic_at' | 'started_at'
>;

const LIVE = new Set(['provisioning', 'starting', 'running']);

/**
 * What is due for `pod` at `now`: terminate once `terminate_at` has passed (from any status
 * but terminated), else stop a live Pod once `stop_at` has passed, else stop a running Pod
 * that has seen no traffic (nor been started) for its idle timeout.
 */
export function dueScheduledEnd(pod: ScheduledPod, now: Date): ScheduledEnd | null {
  const t = now.getTime();
  if (pod.status === 'terminated') return null;
  if (pod.terminate_at && Date.parse(pod.terminate_at) <= t) {
    return {
      move: 'terminate',
      reason: 'terminate_after',
      details: { terminateAt: pod.terminate_at },
    };
  }
  if (!LIVE.has(pod.status)) return null;
  if (pod.stop_at && Date.parse(pod.stop_at) <= t) {
    return { move: 'stop', reason: 'stop_after', details: { stopAt: pod.stop_at } };
  }
  if (pod.status === 'running' && pod.idle_timeout_minutes && pod.started_at) {
    const lastActive = Math.max(
      Date.parse(pod.started_at),
      pod.last_traffic_at ? Date.parse(pod.last_traffic_at) : 0,
    );
    if (t - lastActive >= pod.idle_timeout_minutes * 60_000) {
      return {
        move: 'stop',
        reason: 'idle_timeout',
        details: {
          idleTimeoutMinutes: pod.idle_timeout_minutes,
          lastActivityAt: new Date(lastActive).toISOString(),
        },
      };
    }
  }
  return null;
}
