/**
 * The Pod state machine, pure: which moves each status allows, and
 * which permissions each move needs. The service checks both; the console gets
 * their intersection as a Pod's `actions`.
 */
import { AppError } from '../errors.js';
import type { Permission } from '../permissions/policy.js';

export const POD_STATUSES = [
  'provisioning',
  'starting',
  'running',
  'exited',
  'error',
  'terminated',
] as const;
export type PodStatus = (typeof POD_STATUSES)[number];

/** Moves a caller can ask for. */
export const POD_MOVES = ['start', 'stop', 'restart', 'terminate'] as const;
export type PodMove = (typeof POD_MOVES)[number];

/** What a Pod DTO's `actions` may contain: the moves, plus `connect` while running. */
export type PodAction = PodMove | 'connect';

const MOVES: Record<PodStatus, readonly PodMove[]> = {
  provisioning: ['stop', 'terminate'],
  starting: ['stop', 'terminate'],
  running: ['stop', 'restart', 'terminate'],
  exited: ['start', 'terminate'],
  error: ['start', 'terminate'],
  terminated: [],
};

/**
 * Permissions each move needs. Restart is a stop followed by a start, so it
 * needs both (today both are granted together; the rule stays right if a
 * future role splits them).
 */
export const MOVE_PERMISSIONS: Record<PodMove, readonly Permission[]> = {
  start: ['pods.start'],
  stop: ['pods.stop'],
  restart: ['pods.stop', 'pods.start'],
  terminate: ['pods.terminate'],
};

/** Statuses in which the Pod holds (or is about to hold) a running workload. */
export const LIVE_STATUSES: readonly PodStatus[] = ['provisioning', 'starting', 'running'];

/** The moves `status` allows, in a fixed order. */
export function movesFrom(status: PodStatus): readonly PodMove[] {
  return MOVES[status];
}

export function canMove(status: PodStatus, move: PodMove): boolean {
  return MOVES[status].includes(move);
}

/** Throws 409 `invalid_pod_transition` unless `move` is allowed from `status`. */
export function assertMove(status: PodStatus, move: PodMove): void {
  if (canMove(status, move)) return;
  throw new AppError(
    'invalid_pod_transition',
    status === 'terminated'
      ? `The Pod is terminated; it cannot ${move}`
      : `A Pod that is ${status} cannot ${move}`,
  );
}

/** The status a move leads to (at once; the runtime later moves `starting` on to `running` or `error`). */
export function statusAfter(move: PodMove): PodStatus {
  switch (move) {
    case 'start':
    case 'restart':
      return 'starting';
    case 'stop':
      return 'exited';
    case 'terminate':
      return 'terminated';
  }
}
