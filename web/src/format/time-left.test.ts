import { describe, expect, it } from 'vitest';
import { formatTimeLeft } from './time-left';

const NOW = Date.parse('2026-12-04T12:00:00.000Z');

describe('formatTimeLeft', () => {
  it('says hours and minutes, days and hours, or less than a minute', () => {
    expect(formatTimeLeft('2026-12-04T13:20:00.000Z', NOW)).toBe('1 h 20 min');
    expect(formatTimeLeft('2026-12-04T13:20:59.000Z', NOW)).toBe('1 h 20 min');
    expect(formatTimeLeft('2026-12-04T14:00:00.000Z', NOW)).toBe('2 h');
    expect(formatTimeLeft('2026-12-04T12:45:00.000Z', NOW)).toBe('45 min');
    expect(formatTimeLeft('2026-12-06T15:10:00.000Z', NOW)).toBe('2 d 3 h');
    expect(formatTimeLeft('2026-12-05T12:00:00.000Z', NOW)).toBe('1 d');
    expect(formatTimeLeft('2026-12-04T12:00:30.000Z', NOW)).toBe('less than a minute');
    expect(formatTimeLeft('2026-12-04T11:00:00.000Z', NOW)).toBe('now');
    expect(formatTimeLeft('garbage', NOW)).toBe('');
  });
});
