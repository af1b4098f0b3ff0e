import { describe, expect, it } from 'vitest';
import { availabilityLabel, firstAvailableGpu, suggestPodName } from './deploy-defaults';

describe('Deploy dialog defaults', () => {
  it('suggests a name from the template', () => {
    expect(suggestPodName('hello-web', () => 0.25)).toBe('hello-web-cobalt-2500');
    expect(suggestPodName(undefined, () => 0)).toBe('pod-amber-0000');
  });
  it('picks the first GPU type with room', () => {
    const types = [
      { id: 'a', available: 0 },
      { id: 'b', available: 1 },
      { id: 'c', available: 4 },
    ];
    expect(firstAvailableGpu(types)?.id).toBe('b');
    expect(firstAvailableGpu(types, 2)?.id).toBe('c');
    expect(firstAvailableGpu([{ id: 'x', available: 0 }])?.id).toBe('x');
    expect(firstAvailableGpu([{ id: 'local', available: null }])?.id).toBe('local');
  });
  it('says how many are free', () => {
    expect(availabilityLabel(null)).toBeNull();
    expect(availabilityLabel(0)).toBe('none free now');
    expect(availabilityLabel(3)).toBe('3 free now');
  });
});
