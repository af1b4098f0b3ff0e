import { describe, expect, it } from 'vitest';
import {
  assertMove,
  canMove,
  MOVE_PERMISSIONS,
  movesFrom,
  POD_MOVES,
  POD_STATUSES,
  type PodMove,
  type PodStatus,
  statusAfter,
} from './state.js';

/** The moves each status allows, written out independently of state.ts. */
const ALLOWED: Record<PodStatus, PodMove[]> = {
  running: ['stop', 'restart', 'terminate'],
  exited: ['start', 'terminate'],
  error: ['start', 'terminate'],
  provisioning: ['stop', 'terminate'],
  starting: ['stop', 'terminate'],
  terminated: [],
};

describe('pod state machine', () => {
  const cases = POD_STATUSES.flatMap((status) => POD_MOVES.map((move) => [status, move] as const));

  it.each(cases)('from %s, %s is allowed exactly when the table above says so', (status, move) => {
    const allowed = ALLOWED[status].includes(move);
    expect(canMove(status, move)).toBe(allowed);
    if (allowed) expect(() => assertMove(status, move)).not.toThrow();
    else
      expect(() => assertMove(status, move)).toThrowError(
        expect.objectContaining({ status: 409, code: 'invalid_pod_transition' }),
      );
  });

  it('lists the moves of each status', () => {
    for (const status of POD_STATUSES)
      expect([...movesFrom(status)].sort()).toEqual(ALLOWED[status].sort());
  });

  it('names where each move leads and what it needs', () => {
    expect(statusAfter('start')).toBe('starting');
    expect(statusAfter('restart')).toBe('starting');
    expect(statusAfter('stop')).toBe('exited');
    expect(statusAfter('terminate')).toBe('terminated');
    expect(MOVE_PERMISSIONS.restart).toEqual(['pods.stop', 'pods.start']);
    expect(MOVE_PERMISSIONS.terminate).toEqual(['pods.terminate']);
  });

  it('says a terminated Pod is terminated', () => {
    expect(() => assertMove('terminated', 'start')).toThrowError(/terminated/);
  });
});
