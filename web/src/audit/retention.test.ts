import { describe, expect, it } from 'vitest';
import { type AuditSettings, describeRetention } from './retention';

const base: AuditSettings = {
  retentionDays: null,
  minRetentionDays: 90,
  maxRetentionDays: null,
  effectiveRetentionDays: null,
  pendingRetentionDays: null,
  pendingEffectiveAt: null,
  updatedAt: null,
};

describe('describeRetention', () => {
  it('says how long events are kept, with the operator minimum', () => {
    expect(describeRetention(base)).toEqual({ kept: 'Events are kept forever.', pending: null });
    expect(
      describeRetention({ ...base, retentionDays: 120, effectiveRetentionDays: 120 }).kept,
    ).toBe('Events are kept 120 days (the operator keeps at least 90 days).');
  });

  it('shows a pending shorter retention and when it applies', () => {
    const { pending } = describeRetention({
      ...base,
      retentionDays: 365,
      effectiveRetentionDays: 365,
      pendingRetentionDays: 100,
      pendingEffectiveAt: '2026-06-08T00:00:00.000Z',
    });
    expect(pending).toMatch(
      /^A shorter retention of 100 days was requested; it applies from .*2026/,
    );
    expect(pending).toContain('7-day delay');
  });
});
