/**
 * GPU hosts and the scheduler's GPU assignments. Hosts belong to the operator, not to an
 * account: these functions are for the operator's commands, the scheduler and supervision.
 */
import type { DialectName, Executor } from '../db/database.js';
import type { HostRow } from '../db/schema.js';

export async function insertHost(
  db: Executor,
  host: HostRow,
  gpus: ReadonlyArray<{ index: number; gpuType: string }>,
): Promise<void> {
  await db.insertInto('hosts').values(host).execute();
  if (gpus.length === 0) return;
  await db
    .insertInto('host_gpus')
    .values(gpus.map((g) => ({ host_id: host.id, gpu_index: g.index, gpu_type: g.gpuType })))
    .execute();
}

export function findHostByName(db: Executor, name: string): Promise<HostRow | undefined> {
  return db.selectFrom('hosts').selectAll().where('name', '=', name).executeTakeFirst();
}

export function findHostById(db: Executor, id: string): Promise<HostRow | undefined> {
  return db.selectFrom('hosts').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findHostByEngine(db: Executor, engine: string): Promise<HostRow | undefined> {
  return db.selectFrom('hosts').selectAll().where('engine', '=', engine).executeTakeFirst();
}

export function listHosts(db: Executor): Promise<HostRow[]> {
  return db.selectFrom('hosts').selectAll().orderBy('name').execute();
}

/** The host of a Pod (its `host_id`). */
export function findHostOfPod(db: Executor, podId: string): Promise<HostRow | undefined> {
  return db
    .selectFrom('pods as p')
    .innerJoin('hosts as h', 'h.id', 'p.host_id')
    .selectAll('h')
    .where('p.id', '=', podId)
    .executeTakeFirst();
}

/** Per host: its GPUs by type, and how many of them are held. */
export async function gpuCountsByHost(
  db: Executor,
): Promise<Array<{ host_id: string; gpu_type: string; total: number; used: number }>> {
  const rows = await db
    .selectFrom('host_gpus as g')
    .leftJoin('gpu_assignments as a', (join) =>
      join.onRef('a.host_id', '=', 'g.host_id').onRef('a.gpu_index', '=', 'g.gpu_index'),
    )
    .select((eb) => [
      'g.host_id',
      'g.gpu_type',
      eb.fn.countAll<number | string>().as('total'),
      eb.fn.count<number | string>('a.pod_id').as('used'),
    ])
    .groupBy(['g.host_id', 'g.gpu_type'])
    .execute();
  return rows.map((r) => ({ ...r, total: Number(r.total), used: Number(r.used) }));
}

/** Free GPUs per type across active hosts (the catalog's availability). */
export async function freeGpusByType(db: Executor): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('host_gpus as g')
    .innerJoin('hosts as h', 'h.id', 'g.host_id')
    .leftJoin('gpu_assignments as a', (join) =>
      join.onRef('a.host_id', '=', 'g.host_id').onRef('a.gpu_index', '=', 'g.gpu_index'),
    )
    .select((eb) => ['g.gpu_type', eb.fn.countAll<number | string>().as('free')])
    .where('h.status', '=', 'active')
    .where('h.last_error', 'is', null)
    .where('a.pod_id', 'is', null)
    .groupBy('g.gpu_type')
    .execute();
  return new Map(rows.map((r) => [r.gpu_type, Number(r.free)]));
}

/**
 * Active hosts having GPUs of `gpuType` whose engine answered when last asked, in id order
 * (the order placement locks them in).
 */
export function hostsWithGpuType(db: Executor, gpuType: string): Promise<HostRow[]> {
  return db
    .selectFrom('hosts')
    .selectAll()
    .where('status', '=', 'active')
    .where('last_error', 'is', null)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('host_gpus')
          .select('gpu_index')
          .whereRef('host_gpus.host_id', '=', 'hosts.id')
          .where('host_gpus.gpu_type', '=', gpuType),
      ),
    )
    .orderBy('id')
    .execute();
}

/**
 * Reads a host row and, on PostgreSQL, locks it: placements on one host happen one at a time
 * (SQLite runs one write transaction at a time).
 */
export async function lockHost(trx: Executor, hostId: string, dialect: DialectName): Promise<void> {
  const query = trx.selectFrom('hosts').select('id').where('id', '=', hostId);
  await (dialect === 'postgres' ? query.forUpdate() : query).execute();
}

/** Free GPU indices of `gpuType` on a host, ascending. */
export async function freeGpuIndices(
  db: Executor,
  hostId: string,
  gpuType: string,
): Promise<number[]> {
  const rows = await db
    .selectFrom('host_gpus as g')
    .leftJoin('gpu_assignments as a', (join) =>
      join.onRef('a.host_id', '=', 'g.host_id').onRef('a.gpu_index', '=', 'g.gpu_index'),
    )
    .select('g.gpu_index')
    .where('g.host_id', '=', hostId)
    .where('g.gpu_type', '=', gpuType)
    .where('a.pod_id', 'is', null)
    .orderBy('g.gpu_index')
    .execute();
  return rows.map((r) => Number(r.gpu_index));
}

export async function insertAssignments(
  db: Executor,
  hostId: string,
  podId: string,
  indices: readonly number[],
  now: string,
): Promise<void> {
  await db
    .insertInto('gpu_assignments')
    .values(
      indices.map((gpu_index) => ({ host_id: hostId, gpu_index, pod_id: podId, assigned_at: now })),
    )
    .execute();
}

/** The GPUs a Pod holds, ascending. */
export async function assignmentsOfPod(db: Executor, podId: string): Promise<number[]> {
  const rows = await db
    .selectFrom('gpu_assignments')
    .select('gpu_index')
    .where('pod_id', '=', podId)
    .orderBy('gpu_index')
    .execute();
  return rows.map((r) => Number(r.gpu_index));
}

export async function releaseAssignments(db: Executor, podId: string): Promise<void> {
  await db.deleteFrom('gpu_assignments').where('pod_id', '=', podId).execute();
}

/** Pods placed on a host that are not terminated (they keep its volume). */
export async function countPodsOnHost(db: Executor, hostId: string): Promise<number> {
  const row = await db
    .selectFrom('pods')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('host_id', '=', hostId)
    .where('status', '!=', 'terminated')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function setHostStatus(
  db: Executor,
  hostId: string,
  status: HostRow['status'],
): Promise<void> {
  await db.updateTable('hosts').set({ status }).where('id', '=', hostId).execute();
}

export async function deleteHost(db: Executor, hostId: string): Promise<void> {
  // Terminated Pods keep their row; they no longer point at the host.
  await db.updateTable('pods').set({ host_id: null }).where('host_id', '=', hostId).execute();
  await db.deleteFrom('host_gpus').where('host_id', '=', hostId).execute();
  await db.deleteFrom('hosts').where('id', '=', hostId).execute();
}

/** Records whether the host's engine answered now. */
export async function recordHostSeen(
  db: Executor,
  hostId: string,
  seen: { at: string } | { error: string },
): Promise<void> {
  await db
    .updateTable('hosts')
    .set('at' in seen ? { last_seen_at: seen.at, last_error: null } : { last_error: seen.error })
    .where('id', '=', hostId)
    .execute();
}
