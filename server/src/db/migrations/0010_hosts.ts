import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// GPU hosts (Docker Engines) and the scheduler's GPU assignments; leases for jobs that one
// instance runs at a time.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hosts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    // unix:///var/run/docker.sock or tcp://host:2376; one host per engine.
    .addColumn('engine', 'text', (c) => c.notNull().unique())
    // JSON {ca, cert, key} of file paths, or null.
    .addColumn('tls', 'text')
    .addColumn('gpu_source', 'text', (c) =>
      c.notNull().check(sql`gpu_source in ('declared', 'nvidia-smi')`),
    )
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'draining')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    // When the engine last answered; null: never yet.
    .addColumn('last_seen_at', 'text')
    // Why it did not answer the last time it was asked; null: it did.
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createTable('host_gpus')
    .addColumn('host_id', 'text', (c) => c.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('gpu_index', 'integer', (c) => c.notNull())
    .addColumn('gpu_type', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('host_gpus_pk', ['host_id', 'gpu_index'])
    .execute();
  await db.schema.createIndex('host_gpus_type_idx').on('host_gpus').column('gpu_type').execute();
  // The database's guarantee: no GPU of a host is held by two Pods.
  await db.schema
    .createTable('gpu_assignments')
    .addColumn('host_id', 'text', (c) => c.notNull())
    .addColumn('gpu_index', 'integer', (c) => c.notNull())
    .addColumn('pod_id', 'text', (c) => c.notNull().references('pods.id'))
    .addColumn('assigned_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('gpu_assignments_pk', ['host_id', 'gpu_index'])
    .addForeignKeyConstraint('gpu_assignments_gpu_fk', ['host_id', 'gpu_index'], 'host_gpus', [
      'host_id',
      'gpu_index',
    ])
    .execute();
  await db.schema
    .createIndex('gpu_assignments_pod_idx')
    .on('gpu_assignments')
    .column('pod_id')
    .execute();
  // The host a Pod is placed on (docker driver); its /workspace volume lives there.
  await db.schema.alterTable('pods').addColumn('host_id', 'text').execute();
  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('leases').execute();
  await db.schema.alterTable('pods').dropColumn('host_id').execute();
  await db.schema.dropTable('gpu_assignments').execute();
  await db.schema.dropTable('host_gpus').execute();
  await db.schema.dropTable('hosts').execute();
}
