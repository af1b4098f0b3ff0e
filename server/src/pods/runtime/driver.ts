import type { Duplex } from 'node:stream';

/**
 * Runtime driver contract: how the Pod service asks "something" to run a Pod.
 *
 * The Pod service owns Pod records, state transitions, billing and policy; a
 * driver only runs processes/containers and reports what happened to them.
 * Drivers never touch the database. See docs/runtime-drivers.md.
 */

/** What a template contributes to running a Pod. Comes from the operator catalog, never from users. */
export interface TemplateRuntime {
  /** Template id (catalog key), e.g. `hello-web`. */
  id: string;
  /** argv run by the local driver (no shell). Never taken from user input. */
  command: string[];
  /** Container ports the template exposes (inside the Pod's own network namespace). */
  ports: number[];
  /**
   * The environment variables a user may set on a Pod of this template; any other name is
   * refused (`env_not_allowed`). Absent: none.
   */
  env?: readonly string[];
}

/** Everything a driver needs to provision and start one Pod. */
export interface PodSpec {
  /** Pod id; must match {@link POD_ID_PATTERN} (it becomes a directory name). */
  podId: string;
  /** Display name, passed to the workload as `POD_NAME`. */
  name: string;
  template: TemplateRuntime;
  /** User-supplied environment variables: only names the template declares (`validatePodEnv` first). */
  env: Record<string, string>;
  gpuType: string;
  gpuCount: number;
}

/**
 * Driver-level state of a Pod's workload.
 * - `starting`: spawned, waiting for its ports to accept connections
 * - `running`: started and alive
 * - `exited`: stopped because it was asked to
 * - `error`: exited without being asked to, failed to spawn, or timed out starting
 * - `absent`: the driver knows no workload for this Pod (never started, terminated,
 *   or forgotten because Gantry restarted)
 */
export type RuntimeState = 'starting' | 'running' | 'exited' | 'error' | 'absent';

/**
 * One exposed port of a running Pod. Reach it with {@link RuntimeDriver.openStream}: in a
 * sandbox, `host:hostPort` is an address inside the Pod's own network namespace.
 */
export interface PodEndpoint {
  /** The template's exposed (container) port. */
  port: number;
  /** Host the Pod listens on (the local driver always answers `127.0.0.1`). */
  host: string;
  /** Port the Pod listens on at `host`. */
  hostPort: number;
}

/** How a driver isolates Pods, as `/readyz` and the Pod service see it. */
export interface RuntimeIsolation {
  /** Pods run in a sandbox (namespaces, own uid) or container. */
  sandboxed: boolean;
  /** Why they do not, when `sandboxed` is false. */
  reason?: string;
  /** Only one Gantry instance may run this driver on a database (its Pods live in its memory). */
  singleInstance: boolean;
  /** Whether users may set (declared) env variables; false without a sandbox. */
  userEnv: boolean;
}

/** Snapshot of a Pod's workload as the driver sees it. */
export interface RuntimeStatus {
  state: RuntimeState;
  /** Exit code of the last process, when it exited normally. */
  exitCode?: number | null;
  /** Signal that ended the last process, if any. */
  signal?: string | null;
  /** When the current/last process was spawned. */
  startedAt?: Date;
  /** OS process id (local driver only; for diagnostics and tests). */
  pid?: number;
  /** Human-readable reason for `error` (spawn failure, start timeout, ...). */
  message?: string;
}

/** Information passed to {@link RuntimeEvents.onExit}. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** true when the exit was requested through stop/terminate/shutdown. */
  expected: boolean;
}

/** Callbacks from a driver to the Pod service. */
export interface RuntimeEvents {
  /**
   * Fired exactly once per spawned workload process when it ends, including a
   * process that dies (or is killed for timing out) during `start()` — in that
   * case `start()` also rejects. `expected: false` means the Pod should be
   * marked `error`. Must not throw; errors are logged and swallowed.
   */
  onExit(podId: string, info: ExitInfo): void;
}

/** Machine-readable reasons a driver operation failed. */
export type RuntimeErrorCode =
  | 'invalid_spec'
  | 'spawn_failed'
  | 'start_timeout'
  | 'exited_during_start'
  | 'aborted'
  | 'shutting_down'
  | 'not_running';

/** Error thrown/rejected by drivers; `code` is stable, `message` is for humans and logs. */
export class RuntimeError extends Error {
  readonly code: RuntimeErrorCode;
  constructor(code: RuntimeErrorCode, message: string) {
    super(message);
    this.name = 'RuntimeError';
    this.code = code;
  }
}

/** Interface every runtime driver (local, kubernetes, ...) implements. All methods are safe to call concurrently for different Pods. */
export interface RuntimeDriver {
  /** Driver name as configured, e.g. `local`. */
  readonly name: string;
  /** Prepare storage for the Pod (local: create its work dir). Idempotent. */
  provision(spec: PodSpec): Promise<void>;
  /**
   * Start the workload. Resolves once it is spawned and, if it exposes ports,
   * every port accepts TCP connections. Rejects with a {@link RuntimeError}
   * after the start timeout (killing the process). Starting a Pod that is
   * already starting/running joins/returns immediately.
   */
  start(spec: PodSpec): Promise<void>;
  /** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. Idempotent. */
  stop(podId: string): Promise<void>;
  /** Stop, then delete everything the driver holds for the Pod (work dir, logs). Idempotent. */
  terminate(podId: string): Promise<void>;
  status(podId: string): Promise<RuntimeStatus>;
  /** Reachable endpoints; empty unless the Pod is `running`. */
  endpoints(podId: string): Promise<PodEndpoint[]>;
  /**
   * Opens one TCP stream to `port` (an exposed port) of a running Pod, inside the Pod's own
   * network namespace. Rejects (a {@link RuntimeError} `not_running`, or the connection's error)
   * when the Pod is not running or the port does not accept.
   */
  openStream(podId: string, port: number): Promise<Duplex>;
  /** How this driver isolates Pods (absent: fully isolated, any number of instances). */
  readonly isolation?: RuntimeIsolation;
  /** Recent combined stdout+stderr, at most `tailBytes` bytes (bounded by the driver's own limit). */
  logs(podId: string, opts?: { tailBytes?: number }): Promise<string>;
  /** Register the event sink (one at a time; replaces any previous one). */
  setEvents(events: RuntimeEvents): void;
  /** Stop every workload (Gantry is exiting). Further `start()` calls reject. */
  shutdown(): Promise<void>;
}

/** Pod ids accepted by drivers (uuid/uuidv7 and similar). */
export const POD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** true when `podId` is safe to use as a directory name / label. */
export function isValidPodId(podId: string): boolean {
  return POD_ID_PATTERN.test(podId);
}
