import { describe, expect, it } from 'vitest';
import { ACTION_PATTERN, couldBecomeAction, isResourceId } from './audit-filters';

describe('couldBecomeAction', () => {
  it('accepts actions and prefixes, and what is on its way to one', () => {
    for (const text of ['', 'p', 'pod', 'pod.', 'pod.s', 'pod.stop', 'pod.*', 'audit.settings_']) {
      expect(couldBecomeAction(text), text).toBe(true);
    }
  });

  it('refuses what no more typing can fix', () => {
    for (const text of ['Pod', 'pod stop', 'pod..', '.pod', 'pod.*.', 'pod.st*', '1pod', 'pod-x']) {
      expect(couldBecomeAction(text), text).toBe(false);
    }
  });

  it('is a valid action whenever the API pattern says so', () => {
    for (const text of ['pod.stop', 'member.*', 'audit.settings_update']) {
      expect(ACTION_PATTERN.test(text)).toBe(true);
      expect(couldBecomeAction(text)).toBe(true);
    }
  });
});

describe('isResourceId', () => {
  it('accepts free text up to 200 characters without control characters', () => {
    expect(isResourceId('0193c2b4-7a1e-7c3d-9f00-1234567890ab')).toBe(true);
    expect(isResourceId('part of an id')).toBe(true);
    expect(isResourceId('x'.repeat(200))).toBe(true);
    expect(isResourceId('x'.repeat(201))).toBe(false);
    expect(isResourceId('a\tb')).toBe(false);
  });
});
