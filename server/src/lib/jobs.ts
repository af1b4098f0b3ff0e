import type { Logger } from './logger.js';

/** A background job started by {@link startPeriodicJob}. */
export interface JobHandle {
  /** Stops scheduling and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `run` every `intervalMs` (first after one interval), never two runs at once in this
 * process. A failing run is logged and the next one is scheduled as usual.
 */
export function startPeriodicJob(
  name: string,
  intervalMs: number,
  run: () => Promise<unknown>,
  logger: Logger,
): JobHandle {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped) return;
    running = run()
      .catch((error: unknown) => logger.error({ err: error, job: name }, `${name} failed`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs).unref();
      });
  };
  timer = setTimeout(tick, intervalMs).unref();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
