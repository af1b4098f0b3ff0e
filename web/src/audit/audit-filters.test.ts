import { describe, expect, it } from 'vitest';
import {
  ACTION_PATTERN,
  activeFilterCount,
  couldBecomeAction,
  isResourceId,
  queryOf,
  readView,
  writeView,
} from './audit-filters';

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

describe('activeFilterCount', () => {
  it('counts each applied filter once, a date range as one', () => {
    expect(activeFilterCount(readView(new URLSearchParams()))).toBe(0);
    expect(activeFilterCount(readView(new URLSearchParams('range=7d&outcome=denied')))).toBe(2);
    const custom = new URLSearchParams('range=custom&from=2026-11-01&to=2026-11-02');
    expect(activeFilterCount(readView(custom))).toBe(1);
    const all = 'range=24h&userId=u&action=pod.*&resourceType=pod&resourceId=p&outcome=success';
    expect(activeFilterCount(readView(new URLSearchParams(all)))).toBe(6);
  });
});

describe('queryOf and the system events', () => {
  const query = (search: string) => queryOf(readView(new URLSearchParams(search)), Date.now());

  it('folds the per-minute billing charges away by default', () => {
    expect(query('')).toEqual({ excludeAction: 'billing.charge' });
    expect(query('outcome=denied')).toEqual({ outcome: 'denied', excludeAction: 'billing.charge' });
  });

  it('shows them with the switch on, or when the Action filter asks for them', () => {
    expect(query('system=1')).toEqual({});
    expect(query('action=billing.charge')).toEqual({ action: 'billing.charge' });
    expect(query('action=billing.*')).toEqual({ action: 'billing.*' });
    expect(query('action=pod.*')).toEqual({ action: 'pod.*', excludeAction: 'billing.charge' });
  });

  it('keeps the switch in the URL', () => {
    expect(writeView(readView(new URLSearchParams('system=1&outcome=denied'))).toString()).toBe(
      'outcome=denied&system=1',
    );
  });
});
