import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startPeriodicJob } from './jobs.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('periodic jobs', () => {
  it('runs repeatedly, one run at a time, and keeps going after a failure', async () => {
    let runs = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const job = startPeriodicJob(
      'test',
      5,
      async () => {
        runs += 1;
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(10);
        concurrent -= 1;
        if (runs === 1) throw new Error('first run fails');
      },
      silent,
    );
    await sleep(120);
    await job.stop();
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(maxConcurrent).toBe(1);
  });

  it('waits for a run in progress when stopped, then runs no more', async () => {
    let finished = 0;
    let started = 0;
    const job = startPeriodicJob(
      'test',
      1,
      async () => {
        started += 1;
        await sleep(30);
        finished += 1;
      },
      silent,
    );
    await sleep(10);
    await job.stop();
    expect(finished).toBe(started);
    const after = started;
    await sleep(30);
    expect(started).toBe(after);
  });
});
