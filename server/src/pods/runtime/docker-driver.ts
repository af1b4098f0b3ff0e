/**
 * `docker` runtime driver: every Pod is a container on one of the operator's GPU hosts (Docker
 * Engines), named `gantry-pod-<podId>` and labelled `gantry.pod` / `gantry.account`, so the
 * engine itself says which Pod a container is. The engines hold the truth about workloads:
 * nothing here is remembered that another Gantry instance would need, so any instance can
 * start, stop, connect to and read the logs of any Pod. See docs/runtime-drivers.md.
 *
 * Isolation (every container): no privileges, every capability dropped, `no-new-privileges`,
 * a pids limit, CPU and memory limits, `NetworkMode: none` (only the Pod's own loopback), its
 * own PID namespace, a `/workspace` volume of its own (`gantry-ws-<podId>`). Connect reaches a
 * Pod's ports inside its network namespace (see {@link NetnsForwarders}), never through host
 * networking.
 */

import fs from 'node:fs';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import { builtinImageTag, DockerImages, hasImage } from './docker-image.js';
import { openDockerTerminal } from './docker-terminal.js';
import {
  isValidPodId,
  type PodEndpoint,
  type PodSpec,
  type PodTerminal,
  type RuntimeDriver,
  RuntimeError,
  type RuntimeEvents,
  type RuntimeStatus,
  type TemplateRuntime,
} from './driver.js';
import type { RuntimeLogger } from './local-driver.js';
import { delay } from './net-util.js';
import { NetnsForwarders } from './netns-forwarders.js';
import { type ReservedEnvRule, validatePodEnv } from './pod-env.js';

/** Docker Engine API version the driver speaks (Engine 20.10 and later). */
export const DOCKER_API_VERSION = 'v1.41';

/** How to reach one host's engine. */
export interface DockerHostInfo {
  id: string;
  /** `unix:///var/run/docker.sock` or `tcp://host:2376`. */
  engine: string;
  /** TLS files for a tcp engine (paths on this machine). */
  tls?: { ca?: string; cert?: string; key?: string } | null;
}

/** Where the driver learns which host a Pod is on (wired to the hosts table at the composition root). */
export interface DockerHostDirectory {
  /** The host Pod `podId` is placed on. */
  hostOfPod(podId: string): Promise<DockerHostInfo | undefined>;
  /** A host by id. */
  host(hostId: string): Promise<DockerHostInfo | undefined>;
}

/** Options of {@link DockerDriver}. */
export interface DockerDriverOptions {
  hosts: DockerHostDirectory;
  /** Seconds between SIGTERM and SIGKILL on stop (default 10). */
  stopTimeoutSeconds?: number;
  /** How long start() waits for the Pod's ports (default 30 000 ms). */
  startTimeoutMs?: number;
  /** Most processes in one Pod (default 512). */
  pidsLimit?: number;
  logger?: RuntimeLogger;
}

/** The container name of a Pod. */
export function containerNameOf(podId: string): string {
  return `gantry-pod-${podId}`;
}

/** The `/workspace` volume name of a Pod. */
export function volumeNameOf(podId: string): string {
  return `gantry-ws-${podId}`;
}

/** The GPU request a container of this Pod carries (NVIDIA Container Toolkit device ids). */
export function deviceRequestOf(gpuIndices: readonly number[]): Docker.DeviceRequest {
  return {
    Driver: 'nvidia',
    DeviceIDs: gpuIndices.map(String),
    Capabilities: [['gpu']],
  };
}

/** Names the driver sets in every container; a user's env may not. */
const RESERVED = new Set(['POD_ID', 'POD_NAME', 'HOST', 'PORT', 'GPU_TYPE', 'GPU_COUNT']);
const RESERVED_PREFIXES = ['PORT_', 'GANTRY_', 'NVIDIA_'];
const CONTAINER_RESERVED: ReservedEnvRule = {
  isReserved(name) {
    const upper = name.toUpperCase();
    return RESERVED.has(upper) || RESERVED_PREFIXES.some((p) => upper.startsWith(p));
  },
  problem: 'is set by Gantry',
};

/**
 * A user's env for a container: any name is theirs to set (it only reaches the Pod's own
 * processes), except those Gantry sets; names and sizes checked as every Pod's are.
 */
export function checkContainerEnv(env: Record<string, string>): string[] {
  return validatePodEnv(env, CONTAINER_RESERVED);
}

function statusCodeOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | null)?.statusCode;
}

/** true for an error that means the engine did not answer (as opposed to answering no). */
function isEngineDown(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (
    statusCodeOf(error) === undefined &&
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ENOENT', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'EPIPE'].includes(code)
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Connection options for dockerode from an engine URL. */
export function dockerOptionsOf(host: DockerHostInfo): Docker.DockerOptions {
  const url = new URL(host.engine);
  if (url.protocol === 'unix:') {
    return { socketPath: url.pathname, version: DOCKER_API_VERSION, timeout: 30_000 };
  }
  if (url.protocol !== 'tcp:')
    throw new RuntimeError('invalid_spec', 'engine must be unix:// or tcp://');
  const tls = host.tls ?? null;
  const read = (file: string | undefined) => (file ? fs.readFileSync(file) : undefined);
  return {
    host: url.hostname,
    port: Number(url.port || (tls ? 2376 : 2375)),
    protocol: tls ? 'https' : 'http',
    version: DOCKER_API_VERSION,
    timeout: 30_000,
    ...(tls ? { ca: read(tls.ca), cert: read(tls.cert), key: read(tls.key) } : {}),
  };
}

/** Asks the engine at `host` to answer (`GET /_ping`); rejects when it does not. */
export async function pingEngine(host: DockerHostInfo): Promise<void> {
  const docker = new Docker({ ...dockerOptionsOf(host), timeout: 5000 });
  await docker.ping();
}

/** Splits the engine's multiplexed stdout/stderr stream (no TTY) into the bytes of both. */
export function demuxDockerStream(buffer: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts);
}

interface Engine {
  key: string;
  docker: Docker;
  host: DockerHostInfo;
}

/** Runtime driver running Pods as containers on Docker Engines. */
export class DockerDriver implements RuntimeDriver {
  readonly name = 'docker';
  readonly shared = true;
  private readonly hosts: DockerHostDirectory;
  private readonly stopTimeoutSeconds: number;
  private readonly startTimeoutMs: number;
  private readonly pidsLimit: number;
  private readonly logger: RuntimeLogger | undefined;
  private readonly engines = new Map<string, Engine>();
  private readonly images = new DockerImages();
  private readonly forwarders: NetnsForwarders;
  /** Starts in flight in this process, and the Pods whose start a stop has cancelled. */
  private readonly starting = new Map<string, Promise<void>>();
  private readonly cancelled = new Set<string>();
  private closed = false;

  constructor(opts: DockerDriverOptions) {
    this.hosts = opts.hosts;
    this.stopTimeoutSeconds = opts.stopTimeoutSeconds ?? 10;
    this.startTimeoutMs = opts.startTimeoutMs ?? 30_000;
    this.pidsLimit = opts.pidsLimit ?? 512;
    this.logger = opts.logger;
    this.forwarders = new NetnsForwarders(opts.logger);
  }

  setEvents(_events: RuntimeEvents): void {
    // Exits are found by asking the engines (the Pods service's supervision), on any instance.
  }

  /** The engine client for a host (one per host and engine URL). */
  engineOf(host: DockerHostInfo): Engine {
    const key = `${host.id}\0${host.engine}\0${JSON.stringify(host.tls ?? null)}`;
    let engine = this.engines.get(key);
    if (!engine) {
      engine = { key, docker: new Docker(dockerOptionsOf(host)), host };
      this.engines.set(key, engine);
    }
    return engine;
  }

  private async engineOfPod(podId: string, spec?: PodSpec): Promise<Engine | undefined> {
    assertPodId(podId);
    const host = spec?.placement
      ? await this.hosts.host(spec.placement.hostId)
      : await this.hosts.hostOfPod(podId);
    return host ? this.engineOf(host) : undefined;
  }

  /** Runs `fn` on the engine, turning "did not answer" into `engine_unavailable`. */
  private async call<T>(engine: Engine, fn: (docker: Docker) => Promise<T>): Promise<T> {
    try {
      return await fn(engine.docker);
    } catch (error) {
      if (isEngineDown(error)) {
        throw new RuntimeError(
          'engine_unavailable',
          `the Docker Engine of host ${engine.host.id} (${engine.host.engine}) does not answer: ${messageOf(error)}`,
        );
      }
      throw error;
    }
  }

  /** Answers whether the host's engine responds (`GET /_ping`). */
  async pingHost(host: DockerHostInfo): Promise<void> {
    const engine = this.engineOf(host);
    await this.call(engine, (docker) => docker.ping());
  }

  checkEnv(env: Record<string, string>): string[] {
    return checkContainerEnv(env);
  }

  /** The image a template runs on an engine: its `image`, or its local build's tag. */
  private async imageOf(template: TemplateRuntime): Promise<string> {
    if (template.build) return builtinImageTag(template.id, template.build);
    if (template.image) return template.image;
    throw new RuntimeError(
      'image_missing',
      `template ${template.id} names no image (a docker template needs "image")`,
    );
  }

  async prepareTemplate(template: TemplateRuntime, hostId: string): Promise<void> {
    const host = await this.hosts.host(hostId);
    if (!host) throw new RuntimeError('invalid_spec', `no host ${hostId}`);
    await this.ensureImage(this.engineOf(host), template);
  }

  private async ensureImage(engine: Engine, template: TemplateRuntime): Promise<string> {
    const tag = await this.imageOf(template);
    if (template.build) {
      const build = template.build;
      await this.call(engine, (docker) => this.images.ensure(engine.key, docker, tag, build));
      return tag;
    }
    if (!(await this.call(engine, (docker) => hasImage(docker, tag)))) {
      throw new RuntimeError(
        'image_missing',
        `image ${tag} of template ${template.id} is not on host ${engine.host.id}; pull or load it there first`,
      );
    }
    return tag;
  }

  async provision(spec: PodSpec): Promise<void> {
    const engine = await this.requireEngine(spec.podId, spec);
    await this.call(engine, (docker) =>
      docker.createVolume({
        Name: volumeNameOf(spec.podId),
        Labels: this.labelsOf(spec),
      }),
    );
  }

  private async requireEngine(podId: string, spec?: PodSpec): Promise<Engine> {
    const engine = await this.engineOfPod(podId, spec);
    if (!engine) throw new RuntimeError('invalid_spec', `Pod ${podId} is placed on no known host`);
    return engine;
  }

  private labelsOf(spec: PodSpec): Record<string, string> {
    return {
      'gantry.pod': spec.podId,
      'gantry.account': spec.accountId ?? '',
      'gantry.template': spec.template.id,
      'gantry.host': spec.placement?.hostId ?? '',
      'gantry.gpu-type': spec.gpuType,
      'gantry.gpus': (spec.placement?.gpuIndices ?? []).join(','),
    };
  }

  /** The container's create body: the isolation settings of every Pod are here. */
  containerSpecOf(
    spec: PodSpec,
    image: string,
    engine: { nvidia: boolean; cpus: number },
  ): Docker.ContainerCreateOptions {
    const env: Record<string, string> = { ...spec.env };
    env.POD_ID = spec.podId;
    env.POD_NAME = spec.name;
    env.GPU_TYPE = spec.gpuType;
    env.GPU_COUNT = String(spec.gpuCount);
    env.HOST = '127.0.0.1';
    const first = spec.template.ports[0];
    if (first !== undefined) env.PORT = String(first);
    for (const port of spec.template.ports) env[`PORT_${port}`] = String(port);
    const gpuIndices = spec.placement?.gpuIndices ?? [];
    const request = deviceRequestOf(gpuIndices);
    const limits = spec.limits;
    // The engine refuses more CPUs than the host has (a test host declaring big GPUs).
    const cpus = limits ? Math.min(limits.vcpus, Math.max(engine.cpus, 0.01)) : 0;
    return {
      name: containerNameOf(spec.podId),
      Image: image,
      ...(spec.template.containerCommand ? { Cmd: spec.template.containerCommand } : {}),
      Env: Object.entries(env).map(([name, value]) => `${name}=${value}`),
      Labels: {
        ...this.labelsOf(spec),
        // What the scheduler asked for, also where the host has no NVIDIA runtime (declared GPUs).
        'gantry.device-request': JSON.stringify(request),
        ...(limits ? { 'gantry.limits': JSON.stringify(limits) } : {}),
      },
      WorkingDir: '/workspace',
      StopTimeout: this.stopTimeoutSeconds,
      HostConfig: {
        NetworkMode: 'none',
        Privileged: false,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        PidsLimit: this.pidsLimit,
        Init: true,
        ...(limits
          ? {
              NanoCpus: Math.round(cpus * 1e9),
              Memory: limits.memoryMb * 1024 * 1024,
              MemorySwap: limits.memoryMb * 1024 * 1024,
            }
          : {}),
        Mounts: [{ Type: 'volume', Source: volumeNameOf(spec.podId), Target: '/workspace' }],
        Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=67108864' },
        RestartPolicy: { Name: 'no' },
        LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
        ...(engine.nvidia && gpuIndices.length > 0 ? { DeviceRequests: [request] } : {}),
      },
    };
  }

  async start(spec: PodSpec): Promise<void> {
    if (this.closed) throw new RuntimeError('shutting_down', 'the runtime driver is shutting down');
    assertPodId(spec.podId);
    const inflight = this.starting.get(spec.podId);
    if (inflight) return inflight;
    const attempt = this.startContainer(spec).finally(() => this.starting.delete(spec.podId));
    this.starting.set(spec.podId, attempt);
    return attempt;
  }

  private assertNotCancelled(podId: string): void {
    if (this.cancelled.has(podId))
      throw new RuntimeError('aborted', 'the pod was stopped while starting');
    if (this.closed) throw new RuntimeError('shutting_down', 'the runtime driver is shutting down');
  }

  private async startContainer(spec: PodSpec): Promise<void> {
    const engine = await this.requireEngine(spec.podId, spec);
    const image = await this.ensureImage(engine, spec.template);
    const name = containerNameOf(spec.podId);
    const existing = await this.inspect(engine, spec.podId);
    if (existing?.State.Running) return this.waitUntilReady(engine, spec);
    if (existing) {
      // A stopped container of an earlier run: its settings (GPUs, image) may be out of date.
      await this.call(engine, (docker) => docker.getContainer(name).remove({ force: true }));
    }
    await this.provision(spec);
    this.assertNotCancelled(spec.podId);
    const info = await this.call(engine, (docker) => docker.info());
    const facts = info as { Runtimes?: Record<string, unknown>; NCPU?: number };
    const body = this.containerSpecOf(spec, image, {
      nvidia: Boolean(facts.Runtimes?.nvidia),
      cpus: facts.NCPU ?? 1,
    });
    try {
      const container = await this.call(engine, (docker) => docker.createContainer(body));
      this.assertNotCancelled(spec.podId);
      await this.call(engine, () => container.start());
    } catch (error) {
      if (error instanceof RuntimeError) throw error;
      throw new RuntimeError('spawn_failed', `could not start the container: ${messageOf(error)}`);
    }
    this.logger?.info({ podId: spec.podId, host: engine.host.id }, 'pod container started');
    await this.waitUntilReady(engine, spec);
  }

  private async inspect(
    engine: Engine,
    podId: string,
  ): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.call(engine, (docker) =>
        docker.getContainer(containerNameOf(podId)).inspect(),
      );
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Polls the Pod's ports through its network namespace until each accepts a connection. */
  private async waitUntilReady(engine: Engine, spec: PodSpec): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    const pending = new Set(spec.template.ports);
    for (;;) {
      this.assertNotCancelled(spec.podId);
      const state = await this.inspect(engine, spec.podId);
      if (!state?.State.Running) {
        throw new RuntimeError(
          'exited_during_start',
          `the pod's container exited during start (code ${state?.State.ExitCode ?? 'unknown'}${state?.State.OOMKilled ? ', out of memory' : ''}); see the pod logs`,
        );
      }
      for (const port of [...pending]) {
        const stream = await this.connectInside(engine, spec.podId, state.State.Pid, port).catch(
          () => undefined,
        );
        if (stream) {
          stream.destroy();
          pending.delete(port);
        }
      }
      if (pending.size === 0) return;
      if (Date.now() >= deadline) {
        await this.stop(spec.podId).catch(() => {});
        throw new RuntimeError(
          'start_timeout',
          `the pod did not open port ${[...pending].join(', ')} within ${this.startTimeoutMs} ms`,
        );
      }
      await delay(100);
    }
  }

  private async connectInside(
    engine: Engine,
    podId: string,
    pid: number,
    port: number,
  ): Promise<Duplex> {
    if (!engine.host.engine.startsWith('unix:')) {
      throw new RuntimeError(
        'engine_unavailable',
        `Connect to Pods on remote engines (${engine.host.engine}) is not available yet; see docs/runtime-drivers.md`,
      );
    }
    return this.forwarders.connect(podId, pid, port);
  }

  async stop(podId: string): Promise<void> {
    assertPodId(podId);
    const inflight = this.starting.get(podId);
    if (inflight) this.cancelled.add(podId);
    try {
      await this.stopContainer(podId);
      if (inflight) {
        await inflight.catch(() => {});
        await this.stopContainer(podId);
      }
    } finally {
      this.cancelled.delete(podId);
    }
  }

  private async stopContainer(podId: string): Promise<void> {
    this.forwarders.close(podId);
    const engine = await this.engineOfPod(podId);
    if (!engine) return;
    try {
      await this.call(engine, (docker) =>
        docker.getContainer(containerNameOf(podId)).stop({ t: this.stopTimeoutSeconds }),
      );
    } catch (error) {
      // 304: already stopped; 404: no container.
      if (statusCodeOf(error) === 304 || statusCodeOf(error) === 404) return;
      throw error;
    }
  }

  async terminate(podId: string): Promise<void> {
    await this.stop(podId);
    const engine = await this.engineOfPod(podId);
    if (!engine) return;
    const ignoreMissing = (error: unknown) => {
      if (statusCodeOf(error) !== 404) throw error;
    };
    await this.call(engine, (docker) =>
      docker.getContainer(containerNameOf(podId)).remove({ force: true }),
    ).catch(ignoreMissing);
    await this.call(engine, (docker) => docker.getVolume(volumeNameOf(podId)).remove()).catch(
      ignoreMissing,
    );
  }

  async status(podId: string): Promise<RuntimeStatus> {
    if (this.starting.has(podId)) return { state: 'starting' };
    const engine = await this.engineOfPod(podId);
    if (!engine) return { state: 'absent' };
    const info = await this.inspect(engine, podId);
    if (!info) return { state: 'absent' };
    const state = info.State;
    const startedAt = state.StartedAt ? new Date(state.StartedAt) : undefined;
    if (state.Running) {
      return { state: 'running', pid: state.Pid, ...(startedAt ? { startedAt } : {}) };
    }
    if (state.Status === 'created') return { state: 'starting' };
    return {
      state: 'exited',
      exitCode: state.ExitCode,
      ...(startedAt ? { startedAt } : {}),
      message: `exited with code ${state.ExitCode}${state.OOMKilled ? ' (out of memory)' : ''}${state.Error ? `: ${state.Error}` : ''}`,
    };
  }

  async endpoints(podId: string): Promise<PodEndpoint[]> {
    // Ports are reached only through openStream (inside the Pod's network namespace).
    const status = await this.status(podId);
    if (status.state !== 'running') return [];
    const engine = await this.engineOfPod(podId);
    const info = engine ? await this.inspect(engine, podId) : undefined;
    const ports = (info?.Config.Env ?? [])
      .filter((e) => e.startsWith('PORT_'))
      .map((e) => Number(e.slice(5, e.indexOf('='))));
    return ports.map((port) => ({ port, host: '', hostPort: 0 }));
  }

  async openStream(podId: string, port: number): Promise<Duplex> {
    const engine = await this.requireEngine(podId);
    const info = await this.inspect(engine, podId);
    if (!info?.State.Running) throw new RuntimeError('aborted', 'the pod is not running');
    return this.connectInside(engine, podId, info.State.Pid, port);
  }

  /** A shell in the running container (an exec with a TTY), on the engine of the Pod's host. */
  async openTerminal(podId: string, size: { cols: number; rows: number }): Promise<PodTerminal> {
    const engine = await this.requireEngine(podId);
    return this.call(engine, (docker) => openDockerTerminal(docker, podId, size));
  }

  async logs(podId: string, opts: { tailBytes?: number } = {}): Promise<string> {
    const engine = await this.engineOfPod(podId);
    if (!engine) return '';
    const limit = Math.max(0, Math.min(opts.tailBytes ?? 256 * 1024, 1024 * 1024));
    try {
      const raw = (await this.call(engine, (docker) =>
        docker
          .getContainer(containerNameOf(podId))
          .logs({ stdout: true, stderr: true, follow: false, tail: 5000 }),
      )) as unknown as Buffer;
      const text = demuxDockerStream(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
      return text.subarray(Math.max(0, text.length - limit)).toString('utf8');
    } catch (error) {
      if (statusCodeOf(error) === 404) return '';
      throw error;
    }
  }

  /** Gantry is exiting: containers keep running (any instance serves them); forwarders end. */
  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.starting.values()]);
    this.forwarders.closeAll();
  }
}

function assertPodId(podId: string): void {
  if (!isValidPodId(podId)) throw new RuntimeError('invalid_spec', 'invalid pod id');
}
