import { describe, expect, it } from 'vitest';
import { dueScheduledEnd, parseDeadline } from './schedule.js';

const NOW = new Date('2026-12-04T12:00:00.000Z');

describe('parseDeadline', () => {
  it('reads durations from now and ISO times', () => {
    expect(parseDeadline('PT2H', NOW, 'stopAfter').toISOString()).toBe('2026-12-04T14:00:00.000Z');
    expect(parseDeadline('P1DT30M', NOW, 'stopAfter').toISOString()).toBe(
      '2026-12-05T12:30:00.000Z',
    );
    expect(parseDeadline('PT90S', NOW, 'x').toISOString()).toBe('2026-12-04T12:01:30.000Z');
    expect(parseDeadline('2026-12-04T14:00:00+01:00', NOW, 'x').toISOString()).toBe(
      '2026-12-04T13:00:00.000Z',
    );
  });

  it.each([
    'P',
    'PT',
    'P1DT',
    'PT0S',
    '2h',
    'tomorrow',
    '2026-12-04T11:00:00Z',
    '2026-12-04',
    '2026-13-40T00:00:00Z',
    'P400D',
    '2028-01-01T00:00:00Z',
    '',
  ])('refuses %j', (value) => {
    expect(() => parseDeadline(value, NOW, 'stopAfter')).toThrow(/stopAfter/);
  });
});

describe('dueScheduledEnd', () => {
  const pod = {
    status: 'running' as const,
    stop_at: null,
    terminate_at: null,
    idle_timeout_minutes: null,
    last_traffic_at: null,
    started_at: '2026-12-04T10:00:00.000Z',
  };
  it('terminates past terminate_at, else stops past stop_at, else after the idle timeout', () => {
    expect(dueScheduledEnd(pod, NOW)).toBeNull();
    expect(dueScheduledEnd({ ...pod, stop_at: '2026-12-04T12:00:01.000Z' }, NOW)).toBeNull();
    expect(dueScheduledEnd({ ...pod, stop_at: '2026-12-04T12:00:00.000Z' }, NOW)?.reason).toBe(
      'stop_after',
    );
    expect(
      dueScheduledEnd(
        { ...pod, stop_at: '2026-12-04T11:00:00.000Z', terminate_at: '2026-12-04T11:00:00.000Z' },
        NOW,
      ),
    ).toMatchObject({ move: 'terminate', reason: 'terminate_after' });
    // An exited Pod is still terminated on time, but not stopped again.
    expect(
      dueScheduledEnd({ ...pod, status: 'exited', stop_at: '2026-12-04T11:00:00.000Z' }, NOW),
    ).toBeNull();
    expect(
      dueScheduledEnd({ ...pod, status: 'exited', terminate_at: '2026-12-04T11:00:00.000Z' }, NOW)
        ?.move,
    ).toBe('terminate');
    // Idle: judged from the last traffic, or the start when there was none since.
    const idle = { ...pod, idle_timeout_minutes: 30 };
    expect(dueScheduledEnd(idle, NOW)?.reason).toBe('idle_timeout');
    expect(
      dueScheduledEnd({ ...idle, last_traffic_at: '2026-12-04T11:31:00.000Z' }, NOW),
    ).toBeNull();
    expect(
      dueScheduledEnd({ ...idle, last_traffic_at: '2026-12-04T11:30:00.000Z' }, NOW),
    ).toMatchObject({
      move: 'stop',
      details: { idleTimeoutMinutes: 30, lastActivityAt: '2026-12-04T11:30:00.000Z' },
    });
    expect(dueScheduledEnd({ ...idle, started_at: '2026-12-04T11:45:00.000Z' }, NOW)).toBeNull();
  });
});
