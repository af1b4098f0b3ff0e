/**
 * `local` runtime driver: every running Pod is a supervised child process of
 * its template's command, in a bubblewrap sandbox of its own (see `sandbox.ts`):
 * own PID and network namespaces, own uid, only its work dir writable. Connect
 * reaches its ports through a forwarder inside the sandbox, over a unix socket
 * only Gantry can reach. Where no sandbox can be made, Pods run as plain child
 * processes on free loopback ports, refuse user env, and Gantry says so at start.
 * No containers, no GPUs — meant for fresh installs, development and tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Duplex, Writable } from 'node:stream';
import {
  type ExitInfo,
  isValidPodId,
  type PodEndpoint,
  type PodSpec,
  type RuntimeDriver,
  RuntimeError,
  type RuntimeEvents,
  type RuntimeIsolation,
  type RuntimeStatus,
} from './driver.js';
import { allocateFreePorts, delay } from './net-util.js';
import { RingBuffer, RotatingFileLog, readLogTail } from './output-log.js';
import { buildPodEnv, undeclaredEnvNames, validatePodEnv } from './pod-env.js';
import {
  DEFAULT_BWRAP,
  detectSandbox,
  podUid,
  type SandboxSupport,
  sandboxAccounts,
  sandboxArgs,
} from './sandbox.js';

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
  /** bubblewrap to sandbox Pods with (default `/usr/bin/bwrap`); a missing one means no sandbox. */
  bwrap?: string;
}

const LOOPBACK = '127.0.0.1';
const POLL_MS = 50;
/** How long openStream waits for the Pod's port to accept. */
const OPEN_TIMEOUT_MS = 5000;
/** The forwarder's socket, in the Pod's run dir and (moved there by Gantry) in its private dir. */
const SOCKET_NAME = 'fwd.sock';
/** The environment bwrap itself runs with (the Pod's own goes to the sandbox's init). */
const SANDBOX_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
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
  /** Runs in the sandbox: stop through the init's `term`, streams through the forwarder. */
  readonly sandboxed: boolean;
  /** The forwarder's socket, once Gantry has moved it out of the Pod's reach. */
  socket?: string;
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
  private readonly sandbox: SandboxSupport;
  readonly isolation: RuntimeIsolation;
  private readonly pods = new Map<string, PodProcess>();
  /** start() calls in flight per Pod, so concurrent starts share one process. */
  private readonly starting = new Map<string, Promise<void>>();
  /** Pods whose in-flight start() must not spawn (a stop() arrived first). */
  private readonly cancelled = new Set<string>();
  /** Pods whose last start failed before anything was spawned (its command is missing): why. */
  private readonly unspawned = new Map<string, string>();
  private events: RuntimeEvents | undefined;
  private closed = false;

  constructor(opts: LocalDriverOptions) {
    this.dataDir = path.resolve(opts.dataDir);
    this.graceMs = opts.graceMs ?? 10_000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 15_000;
    this.logBufferBytes = opts.logBufferBytes ?? 256 * 1024;
    this.logFileBytes = opts.logFileBytes ?? 1024 * 1024;
    this.logger = opts.logger;
    this.sandbox = detectSandbox(opts.bwrap ?? DEFAULT_BWRAP);
    this.isolation = this.sandbox.available
      ? { sandboxed: true, singleInstance: true, userEnv: true }
      : { sandboxed: false, reason: this.sandbox.reason, singleInstance: true, userEnv: false };
  }

  /** Gantry's own directory of a Pod (only Gantry can enter it): logs, its work dir, its socket. */
  podDir(podId: string): string {
    assertPodId(podId);
    return path.join(this.dataDir, 'pods', podId);
  }

  /** The Pod's work dir: `/workspace` in its sandbox, the only place it may write. */
  workDir(podId: string): string {
    return path.join(this.podDir(podId), 'work');
  }

  setEvents(events: RuntimeEvents): void {
    this.events = events;
  }

  async provision(spec: PodSpec): Promise<void> {
    const dir = this.podDir(spec.podId);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.chmod(dir, 0o700);
    await fs.mkdir(this.workDir(spec.podId), { recursive: true, mode: 0o700 });
    if (!this.sandbox.available) return;
    const uid = podUid(spec.podId);
    const run = path.join(dir, 'run');
    await fs.mkdir(run, { recursive: true, mode: 0o700 });
    await fs.mkdir(path.join(dir, 'etc'), { recursive: true, mode: 0o755 });
    const accounts = sandboxAccounts(uid);
    await fs.writeFile(path.join(dir, 'etc', 'passwd'), accounts.passwd, { mode: 0o644 });
    await fs.writeFile(path.join(dir, 'etc', 'group'), accounts.group, { mode: 0o644 });
    if (this.sandbox.mode === 'root') {
      await fs.chown(this.workDir(spec.podId), uid, uid);
      await fs.chown(run, uid, uid);
    }
  }

  async start(spec: PodSpec): Promise<void> {
    if (this.closed) throw new RuntimeError('shutting_down', 'the runtime driver is shutting down');
    validateSpec(spec);
    if (!this.sandbox.available && Object.keys(spec.env).length > 0) {
      throw new RuntimeError(
        'invalid_spec',
        `Pods here run without a sandbox (${this.sandbox.reason}), so they take no user env`,
      );
    }
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

  /**
   * SIGTERM the Pod's processes (in a sandbox: every one of them, through its init), SIGKILL
   * after the grace period (the sandbox's whole tree dies with it), and wait until it is gone.
   */
  private async stopProcess(podId: string): Promise<void> {
    const proc = this.pods.get(podId);
    if (!proc || proc.finished) return;
    if (!proc.stopRequested && !proc.exited) {
      proc.stopRequested = true;
      if (proc.sandboxed) proc.child.stdin?.write('term\n');
      else proc.child.kill('SIGTERM');
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
    this.unspawned.delete(podId);
    await fs.rm(this.podDir(podId), { recursive: true, force: true });
  }

  async status(podId: string): Promise<RuntimeStatus> {
    assertPodId(podId);
    const proc = this.pods.get(podId);
    // A start() that has not spawned yet (allocating ports, waiting for the previous process).
    if (this.starting.has(podId) && (!proc || proc.exited || proc.stopRequested)) {
      return { state: 'starting' };
    }
    if (!proc) {
      const message = this.unspawned.get(podId);
      return message === undefined ? { state: 'absent' } : { state: 'error', message };
    }
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

  async openStream(podId: string, port: number): Promise<Duplex> {
    assertPodId(podId);
    const proc = this.pods.get(podId);
    if (proc?.state !== 'running' || !proc.endpoints.some((e) => e.port === port)) {
      throw new RuntimeError('not_running', `the pod is not running or exposes no port ${port}`);
    }
    return this.connect(proc, port);
  }

  /** One stream to `port` of the Pod: through its forwarder in a sandbox, else over loopback. */
  private connect(proc: PodProcess, port: number): Promise<Duplex> {
    const endpoint = proc.endpoints.find((e) => e.port === port);
    if (!endpoint) return Promise.reject(new RuntimeError('not_running', `no port ${port}`));
    if (!proc.sandboxed) return connectTcp(endpoint.host, endpoint.hostPort);
    if (!proc.socket) {
      return Promise.reject(new RuntimeError('not_running', 'the pod is not reachable yet'));
    }
    return connectForwarder(proc.socket, endpoint.hostPort);
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
    const sandbox = this.sandbox;
    // In a sandbox the Pod has its own loopback: it listens on its template's ports themselves.
    const hostPorts = sandbox.available
      ? spec.template.ports
      : await allocateFreePorts(spec.template.ports.length, LOOPBACK);
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
      sandboxed: sandbox.available,
    });
    if (spec.template.command[0] === undefined)
      throw new RuntimeError('invalid_spec', 'template command is empty');
    try {
      await assertExecutable(spec.template.command[0], spec.template.id);
    } catch (err) {
      this.pods.delete(spec.podId);
      this.unspawned.set(spec.podId, errorMessage(err));
      throw err;
    }
    this.unspawned.delete(spec.podId);
    let command: string;
    let args: string[];
    if (sandbox.available) {
      // Whatever the last run left there (the Pod may have put anything in its run dir).
      await fs.rm(path.join(dir, 'run', SOCKET_NAME), { recursive: true, force: true });
      await fs.rm(path.join(dir, SOCKET_NAME), { recursive: true, force: true });
      command = sandbox.bwrap;
      args = sandboxArgs(
        sandbox.mode,
        {
          uid: podUid(spec.podId),
          workDir: this.workDir(spec.podId),
          runDir: path.join(dir, 'run'),
          passwdFile: path.join(dir, 'etc', 'passwd'),
          groupFile: path.join(dir, 'etc', 'group'),
          hidden: [this.dataDir],
        },
        spec.template.command,
      );
    } else {
      [command = '', ...args] = spec.template.command;
    }
    if (this.cancelled.has(spec.podId))
      throw new RuntimeError('aborted', 'the pod was stopped while starting');
    if (this.closed) throw new RuntimeError('shutting_down', 'the runtime driver is shutting down');
    const file = new RotatingFileLog(path.join(dir, 'output.log'), this.logFileBytes, (err) =>
      this.logger?.warn({ podId: spec.podId, err }, 'could not write pod output log'),
    );
    let child: ChildProcess;
    try {
      // In a sandbox, bwrap reads its options from fd 3 (so Gantry's paths do not show in the Pod's
      // /proc/1/cmdline) and the init reads the Pod's env from its stdin (so it runs clean).
      const split = args.indexOf('--');
      const options = sandbox.available ? args.slice(0, split) : [];
      child = spawn(command, sandbox.available ? ['--args', '3', ...args.slice(split)] : args, {
        cwd: sandbox.available ? '/' : this.workDir(spec.podId),
        env: sandbox.available ? { PATH: SANDBOX_PATH } : env,
        stdio: sandbox.available ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
        detached: false,
        shell: false,
        windowsHide: true,
      });
      if (sandbox.available) {
        const argv = child.stdio[3] as Writable | null;
        argv?.on('error', () => {});
        argv?.end(`${options.join('\0')}\0`);
        child.stdin?.write(`${JSON.stringify(env)}\n`);
      }
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
      sandboxed: sandbox.available,
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
    this.logger?.info(
      { podId: spec.podId, pid: child.pid, endpoints, sandboxed: sandbox.available },
      'pod process started',
    );
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
      if (proc.sandboxed && !proc.socket) await this.claimSocket(proc);
      const ready =
        !proc.sandboxed || proc.socket
          ? await Promise.all(proc.endpoints.map((e) => this.probe(proc, e.port)))
          : [false];
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

  /**
   * Moves the forwarder's socket from the Pod's run dir (which the Pod can write) into Gantry's
   * own Pod dir, and accepts it only if it is a socket there: a Pod that put a symlink in its
   * place (say, to a host service's socket) gets nothing.
   */
  private async claimSocket(proc: PodProcess): Promise<void> {
    const dir = this.podDir(proc.podId);
    const claimed = path.join(dir, SOCKET_NAME);
    try {
      await fs.rename(path.join(dir, 'run', SOCKET_NAME), claimed);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.logger?.warn({ podId: proc.podId, err }, "could not claim the pod's forwarder socket");
      return;
    }
    const stat = await fs.lstat(claimed).catch(() => null);
    if (!stat?.isSocket()) {
      await fs.rm(claimed, { recursive: true, force: true }).catch(() => {});
      proc.message = "the pod's forwarder socket was replaced by something else";
      this.logger?.warn({ podId: proc.podId }, proc.message);
      return;
    }
    proc.socket = claimed;
  }

  /** true when `port` of the Pod accepts a connection now. */
  private async probe(proc: PodProcess, port: number): Promise<boolean> {
    try {
      const stream = await this.connect(proc, port);
      stream.destroy();
      return true;
    } catch {
      return false;
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
  const undeclared = undeclaredEnvNames(spec.env, spec.template.env);
  if (undeclared.length > 0) {
    throw new RuntimeError(
      'invalid_spec',
      `template ${spec.template.id} does not let users set ${undeclared.join(', ')}`,
    );
  }
}

/** Rejects with `spawn_failed` unless `command` is an executable file (a path, or found on PATH). */
async function assertExecutable(command: string, templateId: string): Promise<void> {
  const candidates = command.includes('/')
    ? [command]
    : (process.env.PATH ?? '').split(':').map((dir) => path.join(dir || '.', command));
  for (const candidate of candidates) {
    try {
      await fs.access(candidate, fsConstants.X_OK);
      if ((await fs.stat(candidate)).isFile()) return;
    } catch {
      // try the next one
    }
  }
  throw new RuntimeError('spawn_failed', `could not start ${templateId}: ${command} not found`);
}

/** A TCP connection to host:port, resolved once connected. */
function connectTcp(host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => socket.destroy(timeoutError()), OPEN_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * A stream to `port` inside a Pod's network namespace: the sandbox's forwarder is told the port
 * (two bytes) and answers one byte once the port accepted, or closes.
 */
function connectForwarder(socketPath: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path: socketPath });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(timeoutError()), OPEN_TIMEOUT_MS);
    const onClose = (): void => fail(refusedError(port));
    // Read the one byte in paused mode: once the listener is gone the stream is neither paused
    // nor flowing, so the Pod's first bytes wait for whoever reads the stream next.
    const onReadable = (): void => {
      const ack = socket.read(1) as Buffer | null;
      if (ack === null) return;
      clearTimeout(timer);
      socket.removeListener('readable', onReadable);
      socket.removeListener('close', onClose);
      socket.removeListener('error', fail);
      if (ack[0] !== 1) {
        fail(refusedError(port));
        return;
      }
      resolve(socket);
    };
    socket.once('connect', () => {
      const head = Buffer.alloc(2);
      head.writeUInt16BE(port, 0);
      socket.write(head);
    });
    socket.on('readable', onReadable);
    socket.once('close', onClose);
    socket.once('error', fail);
  });
}

function refusedError(port: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`port ${port} of the pod refused the connection`);
  err.code = 'ECONNREFUSED';
  return err;
}

function timeoutError(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error('the pod did not answer in time');
  err.code = 'ETIMEDOUT';
  return err;
}

function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `signal ${signal}`;
  return `code ${code ?? 'unknown'}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
