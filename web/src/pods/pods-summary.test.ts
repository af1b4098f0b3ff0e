import { describe, expect, it } from 'vitest';
import { type Pod, type PodStatus, podsSummary } from './pods-api';

function pod(status: PodStatus, gpuCount = 1): Pod {
  return {
    id: `pod-${Math.random()}`,
    name: 'p',
    status,
    gpuType: 'a100',
    gpuCount,
    templateId: 'hello-web',
    pricePerHour: '1.990000',
    createdBy: 'u',
    createdByName: null,
    createdAt: '2026-11-28T00:00:00.000Z',
    updatedAt: '2026-11-28T00:00:00.000Z',
    startedAt: null,
    stoppedAt: null,
    actions: [],
    lastError: null,
    stopAt: null,
    terminateAt: null,
    idleTimeoutMinutes: null,
    lastTrafficAt: null,
  };
}

describe('podsSummary', () => {
  it('counts running Pods and their GPUs, and names the others by state', () => {
    const summary = podsSummary([
      pod('running', 2),
      pod('running', 1),
      pod('starting', 4),
      pod('provisioning'),
      pod('exited', 8),
      pod('error'),
    ]);
    expect(summary).toEqual({ running: 2, gpus: 3, others: '2 starting · 1 stopped · 1 failed' });
  });

  it('says nothing of states no Pod is in', () => {
    expect(podsSummary([pod('running', 1)])).toEqual({ running: 1, gpus: 1, others: '' });
    expect(podsSummary([])).toEqual({ running: 0, gpus: 0, others: '' });
  });
});
