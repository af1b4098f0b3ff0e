import { describe, expect, it } from 'vitest';
import { actionLabel, describeAuditEvent, KNOWN_ACTIONS } from './audit-actions';

describe('audit actions in words', () => {
  it('names every action the server writes', () => {
    expect(KNOWN_ACTIONS).toContain('billing.credit');
    expect(actionLabel('billing.credit')).toBe('Added credit');
    for (const action of KNOWN_ACTIONS) expect(actionLabel(action)).not.toBe(action);
  });

  it('keeps an unknown action as it is', () => {
    expect(actionLabel('pod.teleport')).toBe('pod.teleport');
  });

  it('says the resource by name and the outcome when it was not a success', () => {
    expect(
      describeAuditEvent({ action: 'pod.stop', outcome: 'success', details: { name: 'run-1' } }),
    ).toBe('Stopped a Pod (run-1)');
    expect(describeAuditEvent({ action: 'member.remove', outcome: 'denied', details: {} })).toBe(
      'Removed a member — denied',
    );
  });
});
