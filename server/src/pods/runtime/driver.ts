/**
 * Runtime driver contract: how the Pod service asks "something" to run a Pod.
 *
 * The Pod service owns Pod records, state transitions, billing and policy; a
 * driver only runs processes/containers and reports what happened to them.
 * Drivers never touch the database. See docs/runtime-drivers.md.
 */
import type { Duplex } from 'node:stream';

/** What a template contributes to running a Pod. Comes from the operator catalog, never from users. */
export interface TemplateRuntime {
  /** Template id (catalog key), e.g. `hello-web`. */
  id: string;
  /** argv run by the local driver (no shell). Never taken from user input. */
  command: string[];
  /** Container ports the template exposes; the local driver maps each to a free loopback port. */
  ports: number[];
  /** Docker: the image to run (an operator template's). Built-in templates give {@link build} instead. */
  image?: string;
  /** Docker: argv inside the container (default: the image's own command). */
  containerCommand?: string[];
  /** Docker: the image is built locally from files of this machine (built-in templates, no registry). */
  build?: LocalImageBuild;
}

/** A root filesystem assembled from this machine's files and imported as an image (`docker import`). */
export interface LocalImageBuild {
  /** Put this machine's Node binary (and the shared libraries it loads) at `/usr/local/bin/node`. */
  node: boolean;
  /** Files to copy in: path in the image → path on this machine. */
  files: Record<string, string>;
}

/** Where the scheduler put a Pod (docker driver): its host and the GPUs it holds there. */
export interface PodPlacement {
  hostId: string;
  /** GPU indices on that host, as the engine's device requests name them. */
  gpuIndices: number[];
}

/** Everything a driver needs to provision and start one Pod. */
export interface PodSpec {
  /** Pod id; must match {@link POD_ID_PATTERN} (it becomes a directory name). */
  podId: string;
  /** Display name, passed to the workload as `POD_NAME`. */
  name: string;
  template: TemplateRuntime;
  /** User-supplied environment variables; validate with `validatePodEnv` before accepting them. */
  env: Record<string, string>;
  gpuType: string;
  gpuCount: number;
  /** The account the Pod belongs to (a container label). */
  accountId?: string;
  /** Docker: the host and GPUs the scheduler chose; other drivers ignore it. */
  placement?: PodPlacement;
  /** Docker: CPU and memory limits for the whole Pod (from the GPU type's catalog entry × count). */
  limits?: { vcpus: number; memoryMb: number };
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

/** Where one exposed port of a running Pod can be reached from the Gantry host. */
export interface PodEndpoint {
  /** The template's exposed (container) port. */
  port: number;
  /** Host to connect to (the local driver always answers `127.0.0.1`). */
  host: string;
  /** Port to connect to on `host`. */
  hostPort: number;
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
  | 'engine_unavailable'
  | 'image_missing';

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
  /**
   * true when workloads outlive this Gantry process and any instance may act on them
   * (docker: the engine holds the truth). Shutdown then leaves Pods running, and Pods are
   * placed on registered hosts with GPUs assigned by the scheduler.
   */
  readonly shared?: boolean;
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
   * Opens one TCP stream to `port` of the Pod, inside the Pod's own network namespace (never
   * through host networking). Connect proxies over it. Rejects when the Pod does not listen.
   */
  openStream(podId: string, port: number): Promise<Duplex>;
  /**
   * Optional: checks a user's env for this driver (problems, empty when fine). Without it the
   * Pod service applies the local driver's rules.
   */
  checkEnv?(env: Record<string, string>, template: TemplateRuntime): string[];
  /**
   * Optional: makes sure the template can run (its image exists or is built) before a Pod of it
   * is accepted; rejects with a {@link RuntimeError} (`image_missing`, `engine_unavailable`).
   */
  prepareTemplate?(template: TemplateRuntime, hostId: string): Promise<void>;
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
