/**
 * `local` runtime driver: every running Pod is a supervised child process of
 * its template's command on free loopback ports. No containers, no GPUs —
 * meant for fresh installs, development and tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import {
  type ExitInfo,
  isValidPodId,
  type PodEndpoint,
  type PodSpec,
  type RuntimeDriver,
  RuntimeError,
  type RuntimeEvents,
  type RuntimeStatus,
} from './driver.js';
import { allocateFreePorts, canConnect, delay } from './net-util.js';
import { RingBuffer, RotatingFileLog, readLogTail } from './output-log.js';
import { buildPodEnv, validatePodEnv } from './pod-env.js';

/** Minimal pino-compatible logger. */
export interface RuntimeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link LocalDriver}. */
export interface LocalDriverOptions {
  /** Root of Gantry's data; Pods live in `<dataDir>/pods/<podId>/`. */
  dataDir: string;
  /** Time between SIGTERM and SIGKILL on stop (default 10 000 ms). */
  graceMs?: number;
  /** How long start() waits for the process's ports (default 15 000 ms). */
  startTimeoutMs?: number;
  /** In-memory log ring per Pod (default 256 KiB). */
  logBufferBytes?: number;
  /** Bound of `output.log` + `output.log.1` per Pod (default 1 MiB). */
  logFileBytes?: number;
  logger?: RuntimeLogger;
}

const LOOPBACK = '127.0.0.1';
const POLL_MS = 50;
/** How long to wait for stdout/stderr to drain after the process exits. */
const DRAIN_MS = 250;

type LiveState = 'starting' | 'running' | 'exited' | 'error';

/** One spawned process of a Pod, kept after it exits for status() and logs(). */
interface PodProcess {
  readonly podId: string;
  readonly child: ChildProcess;
  readonly startedAt: Date;
  readonly endpoints: PodEndpoint[];
  readonly ring: RingBuffer;
  readonly file: RotatingFileLog;
  state: LiveState;
  /** The OS process has ended (state, exitCode and signal are final). */
  exited: boolean;
  /** Logs are flushed and onExit has fired. */
  finished: boolean;
  stopRequested: boolean;
  message?: string;
  exitCode: number | null;
  signal: string | null;
  killTimer?: NodeJS.Timeout;
  /** Resolves once the process is gone and its log is flushed. */
  readonly done: Promise<void>;
  /** Aborted when the process ends (wakes the readiness poll). */
  readonly ended: AbortController;
}

/** Children of every LocalDriver in this Gantry process, killed synchronously if Gantry exits. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL');
  });
}

/** Runtime driver running Pods as local child processes. */
export class LocalDriver implements RuntimeDriver {
  readonly name = 'local';
  private readonly dataDir: string;
  private readonly graceMs: number;
  private readonly startTimeoutMs: number;
  private readonly logBufferBytes: number;
  private readonly logFileBytes: number;
  private readonly logger: RuntimeLogger | undefined;
  private readonly pods = new Map<string, PodProcess>();
  /** start() calls in flight per Pod, so concurrent starts share one process. */
  private readonly starting = new Map<string, Promise<void>>();
  /** Pods whose in-flight start() must not spawn (a stop() arrived first). */
  private readonly cancelled = new Set<string>();
  private events: RuntimeEvents | undefined;
  private closed = false;

  constructor(opts: LocalDriverOptions) {
    this.dataDir = path.resolve(opts.dataDir);
    this.graceMs = opts.graceMs ?? 10_000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 15_000;
    this.logBufferBytes = opts.logBufferBytes ?? 256 * 1024;
    this.logFileBytes = opts.logFileBytes ?? 1024 * 1024;
    this.logger = opts.logger;
  }

  /** Directory holding a Pod's files (work dir and output.log). */
  podDir(podId: string): string {
    assertPodId(podId);
    return path.join(this.dataDir, 'pods', podId);
  }

  setEvents(events: RuntimeEvents): void {
    this.events = events;
  }

  async provision(spec: PodSpec): Promise<void> {
    await fs.mkdir(this.podDir(spec.podId), { recursive: true, mode: 0o700 });
  }

  async start(spec: PodSpec): Promise<void> {
    if (this.closed) throw new RuntimeError('shutting_down', 'the runtime driver is shutting down');
    validateSpec(spec);
    const inflight = this.starting.get(spec.podId);
    if (inflight) return inflight;
    const existing = this.pods.get(spec.podId);
    if (existing && !existing.finished && !existing.stopRequested && existing.state === 'running')
      return;
    const attempt = this.startFresh(spec, existing).finally(() => this.starting.delete(spec.podId));
    this.starting.set(spec.podId, attempt);
    return attempt;
  }

  private async startFresh(spec: PodSpec, previous: PodProcess | undefined): Promise<void> {
    if (previous && !previous.finished) await previous.done;
    await this.provision(spec);
    const proc = await this.spawnPod(spec);
    await this.waitUntilReady(proc);
  }

  async stop(podId: string): Promise<void> {
    assertPodId(podId);
    const inflight = this.starting.get(podId);
    if (!inflight) return this.stopProcess(podId);
    this.cancelled.add(podId);
    try {
      await this.stopProcess(podId);
      await inflight.catch(() => {});
      await this.stopProcess(podId);
    } finally {
      this.cancelled.delete(podId);
    }
  }

  /** SIGTERM the Pod's current process (SIGKILL after the grace period) and wait until it is gone. */
  private async stopProcess(podId: string): Promise<void> {
    const proc = this.pods.get(podId);
    if (!proc || proc.finished) return;
    if (!proc.stopRequested && !proc.exited) {
      proc.stopRequested = true;
      proc.child.kill('SIGTERM');
      proc.killTimer = setTimeout(() => {
        this.logger?.warn({ podId, graceMs: this.graceMs }, 'pod ignored SIGTERM; sending SIGKILL');
        proc.child.kill('SIGKILL');
      }, this.graceMs);
    }
    await proc.done;
  }

  async terminate(podId: string): Promise<void> {
    await this.stop(podId);
    this.pods.delete(podId);
    await fs.rm(this.podDir(podId), { recursive: true, force: true });
  }

  async status(podId: string): Promise<RuntimeStatus> {
    assertPodId(podId);
    const proc = this.pods.get(podId);
    // A start() that has not spawned yet (allocating ports, waiting for the previous process).
    if (this.starting.has(podId) && (!proc || proc.exited || proc.stopRequested)) {
      return { state: 'starting' };
    }
    if (!proc) return { state: 'absent' };
    const status: RuntimeStatus = { state: proc.state, startedAt: proc.startedAt };
    if (proc.child.pid !== undefined) status.pid = proc.child.pid;
    if (proc.exited) {
      status.exitCode = proc.exitCode;
      status.signal = proc.signal;
    }
    if (proc.message !== undefined) status.message = proc.message;
    return status;
  }

  async endpoints(podId: string): Promise<PodEndpoint[]> {
    assertPodId(podId);
    const proc = this.pods.get(podId);
    if (proc?.state !== 'running') return [];
    return proc.endpoints.map((e) => ({ ...e }));
  }

  /** A TCP connection to the loopback port the Pod's `port` is mapped to. */
  async openStream(podId: string, port: number): Promise<Duplex> {
    const endpoint = (await this.endpoints(podId)).find((e) => e.port === port);
    if (!endpoint)
      throw new RuntimeError('aborted', `the pod is not running or exposes no port ${port}`);
    const socket = net.connect({ host: endpoint.host, port: endpoint.hostPort });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return socket;
  }

  async logs(podId: string, opts: { tailBytes?: number } = {}): Promise<string> {
    const file = path.join(this.podDir(podId), 'output.log');
    const limit = Math.max(0, Math.min(opts.tailBytes ?? this.logBufferBytes, this.logFileBytes));
    const proc = this.pods.get(podId);
    if (proc && limit <= proc.ring.capacity) return proc.ring.tail(limit).toString('utf8');
    return (await readLogTail(file, limit)).toString('utf8');
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    const ids = new Set([...this.pods.keys(), ...this.starting.keys()]);
    await Promise.all([...ids].map((id) => this.stop(id)));
  }

  /** Allocate ports, spawn the process and wire up supervision. Resolves once spawned. */
  private async spawnPod(spec: PodSpec): Promise<PodProcess> {
    const dir = this.podDir(spec.podId);
    const hostPorts = await allocateFreePorts(spec.template.ports.length, LOOPBACK);
    const endpoints = spec.template.ports.map((port, i) => ({
      port,
      host: LOOPBACK,
      hostPort: hostPorts[i] ?? 0,
    }));
    const env = buildPodEnv(spec.env, {
      podId: spec.podId,
      podName: spec.name,
      gpuType: spec.gpuType,
      gpuCount: spec.gpuCount,
      host: LOOPBACK,
      ports: endpoints,
    });
    const [command, ...args] = spec.template.command;
    if (command === undefined) throw new RuntimeError('invalid_spec', 'template command is empty');
    if (this.cancelled.has(spec.podId))
      throw new RuntimeError('aborted', 'the pod was stopped while starting');
    if (this.closed) throw new RuntimeError('shutting_down', 'the runtime driver is shutting down');
    const file = new RotatingFileLog(path.join(dir, 'output.log'), this.logFileBytes, (err) =>
      this.logger?.warn({ podId: spec.podId, err }, 'could not write pod output log'),
    );
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: dir,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: false,
        shell: false,
        windowsHide: true,
      });
    } catch (err) {
      await file.close();
      throw new RuntimeError(
        'spawn_failed',
        `could not start ${spec.template.id}: ${errorMessage(err)}`,
      );
    }
    let resolveDone: () => void = () => {};
    const proc: PodProcess = {
      podId: spec.podId,
      child,
      startedAt: new Date(),
      endpoints,
      ring: new RingBuffer(this.logBufferBytes),
      file,
      state: 'starting',
      exited: false,
      finished: false,
      stopRequested: false,
      exitCode: null,
      signal: null,
      done: new Promise<void>((resolve) => {
        resolveDone = resolve;
      }),
      ended: new AbortController(),
    };
    this.pods.set(spec.podId, proc);
    const capture = (chunk: Buffer): void => {
      proc.ring.push(chunk);
      proc.file.write(chunk);
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    // stdin stays open and unused: its EOF tells the Pod that Gantry is gone (see POD_EXIT_ON_STDIN_EOF).
    child.stdin?.on('error', () => {});

    const spawned = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', (err) => {
        if (child.pid !== undefined) return;
        proc.message = `could not start ${spec.template.id}: ${errorMessage(err)}`;
        resolve(false);
      });
    });
    if (!spawned) {
      proc.state = 'error';
      proc.exited = true;
      proc.finished = true;
      proc.ended.abort();
      await file.close();
      resolveDone();
      throw new RuntimeError('spawn_failed', proc.message ?? 'spawn failed');
    }
    trackChild(child);
    child.on('error', (err) => this.logger?.warn({ podId: spec.podId, err }, 'pod process error'));
    child.once('exit', (code, signal) => {
      proc.exitCode = code;
      proc.signal = signal;
      proc.exited = true;
      proc.state = proc.stopRequested ? 'exited' : 'error';
      if (!proc.stopRequested && proc.message === undefined) {
        proc.message = `exited unexpectedly (${describeExit(code, signal)})`;
      }
      liveChildren.delete(child);
      proc.ended.abort();
      void this.finishAfterDrain(proc).then(resolveDone);
    });
    this.logger?.info({ podId: spec.podId, pid: child.pid, endpoints }, 'pod process started');
    return proc;
  }

  /** Poll the Pod's ports until they accept connections, the process dies, or the start timeout passes. */
  private async waitUntilReady(proc: PodProcess): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      if (proc.exited || proc.ended.signal.aborted) {
        await proc.done;
        if (proc.stopRequested)
          throw new RuntimeError('aborted', 'the pod was stopped while starting');
        throw new RuntimeError(
          'exited_during_start',
          `the pod process exited during start (${describeExit(proc.exitCode, proc.signal)}); see the pod logs`,
        );
      }
      const ready = await Promise.all(
        proc.endpoints.map((e) => canConnect(e.host, e.hostPort, 500)),
      );
      if (ready.every(Boolean) && !proc.ended.signal.aborted) {
        proc.state = 'running';
        return;
      }
      if (Date.now() >= deadline) {
        const message = `the pod did not open its port${proc.endpoints.length > 1 ? 's' : ''} within ${this.startTimeoutMs} ms`;
        proc.message = message;
        proc.child.kill('SIGKILL');
        await proc.done;
        throw new RuntimeError('start_timeout', message);
      }
      await delay(POLL_MS, proc.ended.signal);
    }
  }

  /** After exit: let stdout/stderr drain briefly, close the log, settle state and fire onExit. */
  private async finishAfterDrain(proc: PodProcess): Promise<void> {
    const { child } = proc;
    if (child.stdout?.readable || child.stderr?.readable) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DRAIN_MS);
        child.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    clearTimeout(proc.killTimer);
    child.stdin?.destroy();
    child.stdout?.destroy();
    child.stderr?.destroy();
    proc.finished = true;
    await proc.file.close();
    const info: ExitInfo = {
      code: proc.exitCode,
      signal: proc.signal,
      expected: proc.state === 'exited',
    };
    this.logger?.[info.expected ? 'info' : 'warn'](
      { podId: proc.podId, ...info },
      'pod process exited',
    );
    try {
      this.events?.onExit(proc.podId, info);
    } catch (err) {
      this.logger?.error({ podId: proc.podId, err }, 'onExit handler threw');
    }
  }
}

function assertPodId(podId: string): void {
  if (!isValidPodId(podId)) throw new RuntimeError('invalid_spec', 'invalid pod id');
}

function validateSpec(spec: PodSpec): void {
  assertPodId(spec.podId);
  const { command, ports } = spec.template;
  if (
    !Array.isArray(command) ||
    command.length === 0 ||
    command.some((a) => typeof a !== 'string' || a.includes('\0'))
  ) {
    throw new RuntimeError('invalid_spec', `template ${spec.template.id} has an invalid command`);
  }
  const validPort = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= 65535;
  if (!ports.every(validPort) || new Set(ports).size !== ports.length) {
    throw new RuntimeError('invalid_spec', `template ${spec.template.id} has invalid ports`);
  }
  if (!Number.isInteger(spec.gpuCount) || spec.gpuCount < 0)
    throw new RuntimeError('invalid_spec', 'invalid gpu count');
  const problems = validatePodEnv(spec.env);
  if (problems.length > 0)
    throw new RuntimeError('invalid_spec', `invalid environment: ${problems.join('; ')}`);
}

function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `signal ${signal}`;
  return `code ${code ?? 'unknown'}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
