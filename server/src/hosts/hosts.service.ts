/**
 * GPU hosts: the operator registers Docker Engines with their GPUs (`gantry hosts …`), kept in
 * the database so every instance sees them; the scheduler places Pods on them. The database
 * guarantees that no GPU of a host is held by two Pods: `gpu_assignments` has the primary key
 * (host_id, gpu_index), and placements on one host are serialized by locking the host's row.
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Deps } from '../context.js';
import type { Executor, Trx } from '../db/database.js';
import type { HostRow, PodRow } from '../db/schema.js';
import { transact } from '../db/transaction.js';
import { AppError } from '../errors.js';
import { newId } from '../lib/ids.js';
import type { Catalog, GpuType } from '../pods/catalog.js';
import { pingEngine } from '../pods/runtime/docker-driver.js';
import type { PodPlacement } from '../pods/runtime/driver.js';
import {
  countPodsOnHost,
  deleteHost,
  findHostByEngine,
  findHostById,
  findHostByName,
  freeGpuIndices,
  freeGpusByType,
  gpuCountsByHost,
  hostsWithGpuType,
  insertAssignments,
  insertHost,
  listHosts,
  lockHost,
  releaseAssignments,
  setHostStatus,
} from './hosts.store.js';

const run = promisify(execFile);

/** One declared or detected GPU. */
export interface HostGpu {
  index: number;
  gpuType: string;
}

/** A host as the operator's commands show it. */
export interface HostDto {
  id: string;
  name: string;
  engine: string;
  status: HostRow['status'];
  gpuSource: HostRow['gpu_source'];
  /** Per GPU type: how many the host has, and how many Pods hold. */
  gpus: Array<{ gpuType: string; total: number; used: number }>;
  lastSeenAt: string | null;
  lastError: string | null;
}

const HOST_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const MAX_GPU_INDEX = 1023;

function gpuTypeNamed(catalog: Catalog, text: string): GpuType | undefined {
  const wanted = text.trim().toLowerCase();
  return catalog.gpuTypes.find((g) => g.id === wanted || g.name.toLowerCase() === wanted);
}

/**
 * Parses `--gpu` values such as `"NVIDIA RTX 4090:0,1,2,3"` (a catalog GPU type by name or id,
 * then its indices). Throws `invalid_input` naming the problem; an index given twice (also under
 * two types) is one.
 */
export function parseGpuDeclarations(catalog: Catalog, values: readonly string[]): HostGpu[] {
  const gpus: HostGpu[] = [];
  const seen = new Map<number, string>();
  for (const value of values) {
    const colon = value.lastIndexOf(':');
    if (colon <= 0) {
      throw new AppError('invalid_input', `--gpu "${value}" must be "<GPU type>:<index>,<index>…"`);
    }
    const type = gpuTypeNamed(catalog, value.slice(0, colon));
    if (!type) {
      throw new AppError(
        'invalid_input',
        `--gpu "${value}": "${value.slice(0, colon)}" is not a GPU type of the catalog (${catalog.gpuTypes.map((g) => `${g.name} / ${g.id}`).join(', ')})`,
      );
    }
    for (const part of value.slice(colon + 1).split(',')) {
      if (!/^\d{1,4}$/.test(part.trim()) || Number(part) > MAX_GPU_INDEX) {
        throw new AppError(
          'invalid_input',
          `--gpu "${value}": "${part}" is not a GPU index (0 to ${MAX_GPU_INDEX})`,
        );
      }
      const index = Number(part);
      const earlier = seen.get(index);
      if (earlier !== undefined) {
        throw new AppError(
          'invalid_input',
          `--gpu: GPU index ${index} is declared twice (${earlier} and ${type.name})`,
        );
      }
      seen.set(index, type.name);
      gpus.push({ index, gpuType: type.id });
    }
  }
  return gpus;
}

/** GPUs `nvidia-smi` reports on this machine, mapped to catalog types; undefined without it. */
export async function detectGpus(catalog: Catalog): Promise<HostGpu[] | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await run('nvidia-smi', ['--query-gpu=index,name', '--format=csv,noheader'], {
      timeout: 10_000,
    }));
  } catch {
    return undefined;
  }
  const gpus: HostGpu[] = [];
  for (const line of stdout.split('\n')) {
    const [index, ...name] = line.split(',');
    if (!index || name.length === 0) continue;
    const reported = name.join(',').trim().toLowerCase();
    const type = catalog.gpuTypes.find(
      (g) => reported.includes(g.name.toLowerCase()) || g.name.toLowerCase().includes(reported),
    );
    if (!type) {
      throw new AppError(
        'invalid_input',
        `nvidia-smi reports "${name.join(',').trim()}", which is no GPU type of the catalog; declare the GPUs with --gpu`,
      );
    }
    gpus.push({ index: Number(index), gpuType: type.id });
  }
  return gpus;
}

/** Checks an engine URL: `unix:///path` or `tcp://host:port`. */
export function parseEngineUrl(engine: string): string {
  let url: URL;
  try {
    url = new URL(engine);
  } catch {
    throw new AppError('invalid_input', `--engine "${engine}" is not a URL (unix:///… or tcp://…)`);
  }
  if (url.protocol === 'unix:' && url.pathname.startsWith('/') && !url.host) return engine;
  if (url.protocol === 'tcp:' && url.hostname && !url.pathname.replace('/', '')) return engine;
  throw new AppError(
    'invalid_input',
    `--engine "${engine}" must be unix:///path/to/docker.sock or tcp://host:2376`,
  );
}

export interface AddHostInput {
  name: string;
  engine: string;
  tls?: { ca?: string; cert?: string; key?: string };
  /** `--gpu` values; none: detect with nvidia-smi. */
  gpus: readonly string[];
}

function toHostDto(host: HostRow, counts: Awaited<ReturnType<typeof gpuCountsByHost>>): HostDto {
  return {
    id: host.id,
    name: host.name,
    engine: host.engine,
    status: host.status,
    gpuSource: host.gpu_source,
    gpus: counts
      .filter((c) => c.host_id === host.id)
      .map((c) => ({ gpuType: c.gpu_type, total: c.total, used: c.used })),
    lastSeenAt: host.last_seen_at,
    lastError: host.last_error,
  };
}

/**
 * Registers a host (the operator's `gantry hosts add`): checks the engine answers, declares or
 * detects its GPUs. Nothing is written unless all of it is valid.
 */
export async function addHost(deps: Deps, input: AddHostInput): Promise<HostDto> {
  if (!HOST_NAME.test(input.name)) {
    throw new AppError(
      'invalid_input',
      `host name "${input.name}" must be lower-case letters, digits, ".", "_" or "-" (at most 63)`,
    );
  }
  const engine = parseEngineUrl(input.engine);
  if (input.tls && !engine.startsWith('tcp:')) {
    throw new AppError('invalid_input', '--tls… options are for a tcp:// engine');
  }
  let gpus = parseGpuDeclarations(deps.catalog, input.gpus);
  let source: HostRow['gpu_source'] = 'declared';
  if (gpus.length === 0) {
    const detected = engine.startsWith('unix:') ? await detectGpus(deps.catalog) : undefined;
    if (!detected) {
      throw new AppError(
        'invalid_input',
        'no GPUs: declare them with --gpu "<GPU type>:<index>,…" (nvidia-smi does not run here)',
      );
    }
    gpus = detected;
    source = 'nvidia-smi';
  }
  const now = deps.clock.now().toISOString();
  try {
    await pingEngine({ id: input.name, engine, tls: input.tls ?? null });
  } catch (error) {
    throw new AppError(
      'engine_unavailable',
      `the Docker Engine at ${engine} does not answer: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const host: HostRow = {
    id: newId(),
    name: input.name,
    engine,
    tls: input.tls ? JSON.stringify(input.tls) : null,
    gpu_source: source,
    status: 'active',
    created_at: now,
    last_seen_at: now,
    last_error: null,
  };
  await transact(deps.db, async (trx) => {
    const sameName = await findHostByName(trx, input.name);
    if (sameName) throw new AppError('host_in_use', `a host named "${input.name}" exists already`);
    const sameEngine = await findHostByEngine(trx, engine);
    if (sameEngine) {
      throw new AppError(
        'host_in_use',
        `engine ${engine} is registered already as host "${sameEngine.name}" (its GPUs are declared there)`,
      );
    }
    await insertHost(trx, host, gpus);
  });
  return toHostDto(host, await gpuCountsByHost(deps.db));
}

/** Every host with its GPU use. */
export async function listHostDtos(deps: Deps): Promise<HostDto[]> {
  const [hosts, counts] = await Promise.all([listHosts(deps.db), gpuCountsByHost(deps.db)]);
  return hosts.map((h) => toHostDto(h, counts));
}

async function hostNamed(db: Executor, name: string): Promise<HostRow> {
  const host = await findHostByName(db, name);
  if (!host) throw new AppError('not_found', `No host named "${name}"`);
  return host;
}

/** No new Pods on the host (`undrain`: again). Its running Pods keep running. */
export async function drainHost(deps: Deps, name: string, draining = true): Promise<HostDto> {
  const host = await hostNamed(deps.db, name);
  await setHostStatus(deps.db, host.id, draining ? 'draining' : 'active');
  return toHostDto(
    { ...host, status: draining ? 'draining' : 'active' },
    await gpuCountsByHost(deps.db),
  );
}

/** Forgets a host; refused while Pods (not terminated) are placed on it. */
export async function removeHost(deps: Deps, name: string): Promise<void> {
  await transact(deps.db, async (trx) => {
    const host = await hostNamed(trx, name);
    const pods = await countPodsOnHost(trx, host.id);
    if (pods > 0) {
      throw new AppError(
        'host_in_use',
        `host "${name}" still has ${pods} Pod${pods === 1 ? '' : 's'}; drain it and terminate them first`,
      );
    }
    await deleteHost(trx, host.id);
  });
}

/** Free GPUs of each type now, across active hosts. */
export function freeGpuCounts(deps: Deps): Promise<Map<string, number>> {
  return freeGpusByType(deps.db);
}

async function noCapacity(
  trx: Executor,
  catalog: Catalog,
  gpuType: string,
  count: number,
  onHost?: HostRow,
): Promise<AppError> {
  const free = await freeGpusByType(trx);
  const name = catalog.gpuTypes.find((g) => g.id === gpuType)?.name ?? gpuType;
  const room = catalog.gpuTypes
    .filter((g) => (free.get(g.id) ?? 0) > 0)
    .map((g) => `${g.name} (${free.get(g.id)} free)`);
  const where = onHost
    ? `host ${onHost.name}, where this Pod's /workspace is, ${onHost.status === 'draining' ? 'is draining' : `has not ${count} free ${name} GPU${count === 1 ? '' : 's'}`}`
    : `no host has ${count} free ${name} GPU${count === 1 ? '' : 's'}`;
  return new AppError(
    'no_capacity',
    `No capacity: ${where} now. ${room.length > 0 ? `GPU types with room: ${room.join(', ')}.` : 'No GPU type has room now.'}`,
  );
}

/**
 * Gives the Pod `count` GPUs of its type on one host, in `trx`, and records its host. A Pod
 * placed before stays on its host (its /workspace volume lives there). Hosts are tried in id
 * order, each locked before its free GPUs are read, so concurrent placements (any instance)
 * never pick the same GPU and cannot deadlock; the primary key of `gpu_assignments` is the
 * guarantee beneath. Throws `no_capacity` naming the GPU types that have room.
 */
export async function placePod(
  trx: Trx,
  deps: Deps,
  pod: Pick<PodRow, 'id' | 'gpu_type' | 'gpu_count' | 'host_id'>,
): Promise<PodPlacement> {
  const now = deps.clock.now().toISOString();
  const candidates = pod.host_id
    ? [await findHostById(trx, pod.host_id)].filter((h): h is HostRow => h !== undefined)
    : await hostsWithGpuType(trx, pod.gpu_type);
  for (const host of candidates) {
    if (host.status !== 'active') continue;
    await lockHost(trx, host.id, deps.dialect);
    const free = await freeGpuIndices(trx, host.id, pod.gpu_type);
    if (free.length < pod.gpu_count) continue;
    const indices = free.slice(0, pod.gpu_count);
    await insertAssignments(trx, host.id, pod.id, indices, now);
    if (pod.host_id !== host.id) {
      await trx.updateTable('pods').set({ host_id: host.id }).where('id', '=', pod.id).execute();
    }
    return { hostId: host.id, gpuIndices: indices };
  }
  const onHost = pod.host_id ? candidates[0] : undefined;
  throw await noCapacity(trx, deps.catalog, pod.gpu_type, pod.gpu_count, onHost);
}

/** The Pod no longer holds GPUs (it left the live statuses). */
export function releasePod(trx: Trx, podId: string): Promise<void> {
  return releaseAssignments(trx, podId);
}
