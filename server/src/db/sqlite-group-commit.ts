import type SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  DeleteQueryNode,
  type Dialect,
  type DialectAdapter,
  type Driver,
  InsertQueryNode,
  type Kysely,
  MergeQueryNode,
  type QueryCompiler,
  type QueryResult,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  UpdateQueryNode,
} from 'kysely';

/**
 * Group commit for SQLite (better-sqlite3, WAL, synchronous=FULL).
 *
 * Every COMMIT fsyncs the WAL and blocks the event loop, so one transaction per request
 * caps throughput at the disk's fsync rate. This driver lets several requests'
 * transactions share one COMMIT without giving up durability:
 *
 * - One connection behind a FIFO mutex, as Kysely's SqliteDriver. The driver opens an
 *   outer `BEGIN IMMEDIATE` (a "batch") when the first transaction or write arrives;
 *   each Kysely transaction is a SAVEPOINT inside it (RELEASE on commit; ROLLBACK TO +
 *   RELEASE on rollback, which leaves the rest of the batch untouched).
 * - `commitTransaction` releases the savepoint, hands the connection to the next waiter,
 *   and resolves only once the outer COMMIT of its batch has succeeded: no caller answers
 *   before its change is durable. A failed COMMIT rolls the batch back and rejects every
 *   transaction in it.
 * - The batch commits when the connection is free with nobody queued (checked on
 *   setImmediate, so requests already parsed this turn join), or at hand-over once it
 *   holds `maxBatch` transactions or is `maxDelayMs` old.
 * - Outside a transaction: a read runs inside the open batch, so it sees the batch's
 *   changes before they are committed (a transaction that then fails to commit is
 *   rejected to its caller, but a concurrent read may have seen it). An insert, update,
 *   delete or merge joins the batch and commits it before resolving; any other writing
 *   statement (DDL, pragmas, raw SQL) commits the batch first and runs on its own.
 * - Not supported: a transaction inside `db.connection().execute(...)` (the early hand-over
 *   would end the held connection; its next use throws). Gantry does not do this.
 * - The raw handle (`DatabaseHandle.raw`, used by `preparedLookup`) reads outside the mutex, so inside an open batch too.
 */
export interface GroupCommitOptions {
  /** better-sqlite3 connection (the driver owns it and closes it on destroy). */
  sqlite: SQLite.Database;
  /** How statements are prepared (e.g. through a statement cache); `sqlite.prepare` by default. */
  prepare?: (text: string) => SQLite.Statement;
  /** Transactions per COMMIT at most (default 64). */
  maxBatch?: number;
  /** Age of a batch after which the next hand-over commits it (default 5 ms). */
  maxDelayMs?: number;
  /** Test hooks around the outer COMMIT; `beforeCommit` throwing fails the COMMIT. */
  hooks?: GroupCommitHooks;
}

export interface GroupCommitHooks {
  beforeCommit?(transactions: number): void;
  afterCommit?(transactions: number): void;
}

export class GroupCommitDialect implements Dialect {
  readonly #options: GroupCommitOptions;
  constructor(options: GroupCommitOptions) {
    this.#options = options;
  }
  createDriver(): Driver {
    return new GroupCommitDriver(this.#options);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's Dialect signature takes Kysely<any>.
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

const TRANSACTION_SAVEPOINT = 'gantry_trx';

interface Batch {
  transactions: number;
  openedAt: number;
  committed: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/** One holder of the connection, from acquireConnection to releaseConnection. */
class Lease implements DatabaseConnection {
  releasedEarly = false;
  constructor(readonly driver: GroupCommitDriver) {}
  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return Promise.resolve(this.driver.execute<R>(this, compiledQuery));
  }
  streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    return this.driver.stream<R>(this, compiledQuery);
  }
}

const WRITE_NODES = [InsertQueryNode, UpdateQueryNode, DeleteQueryNode, MergeQueryNode];

export class GroupCommitDriver implements Driver {
  readonly #sqlite: SQLite.Database;
  readonly #prepare: (text: string) => SQLite.Statement;
  readonly #maxBatch: number;
  readonly #maxDelayMs: number;
  readonly #hooks: GroupCommitHooks;
  #locked = false;
  readonly #waiters: Array<() => void> = [];
  #holder: Lease | undefined;
  #batch: Batch | undefined;
  #inTransaction = false;
  #idleCheck = false;
  #destroyed = false;

  constructor(options: GroupCommitOptions) {
    this.#sqlite = options.sqlite;
    this.#prepare = options.prepare ?? ((text) => options.sqlite.prepare(text));
    this.#maxBatch = options.maxBatch ?? 64;
    this.#maxDelayMs = options.maxDelayMs ?? 5;
    this.#hooks = options.hooks ?? {};
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#locked) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    else this.#locked = true;
    const lease = new Lease(this);
    this.#holder = lease;
    return lease;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    this.#own(connection);
    this.#openBatch();
    this.#run(`savepoint ${TRANSACTION_SAVEPOINT}`);
    this.#inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = this.#own(connection);
    const batch = this.#liveBatch();
    this.#run(`release ${TRANSACTION_SAVEPOINT}`);
    this.#inTransaction = false;
    batch.transactions += 1;
    // Hand the connection on now; Kysely's releaseConnection that follows is a no-op.
    lease.releasedEarly = true;
    this.#unlock();
    await batch.committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    // The transaction was released into a batch whose COMMIT failed: already rolled back.
    if (lease.releasedEarly) return;
    this.#own(connection);
    this.#inTransaction = false;
    if (!this.#batch || !this.#sqlite.inTransaction) {
      // SQLite already rolled the whole batch back (disk full, I/O error): fail its members and
      // let the error that caused this rollback surface, not a bookkeeping one.
      if (this.#batch)
        this.#failBatch(new Error('group commit: the batch transaction was rolled back'));
      return;
    }
    this.#run(`rollback to ${TRANSACTION_SAVEPOINT}`);
    this.#run(`release ${TRANSACTION_SAVEPOINT}`);
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await savepointCommand(connection, 'savepoint', name);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await savepointCommand(connection, 'rollback to', name);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await savepointCommand(connection, 'release', name);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    if (lease.releasedEarly) return;
    this.#own(connection);
    lease.releasedEarly = true;
    this.#unlock();
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    await this.acquireConnection();
    this.#destroyed = true;
    if (this.#batch) this.#commitBatch();
    this.#sqlite.close();
  }

  /** Runs one query for the lease holding the connection (see the class comment). */
  execute<R>(lease: Lease, compiledQuery: CompiledQuery): QueryResult<R> | Promise<QueryResult<R>> {
    this.#own(lease);
    const { sql, parameters, query } = compiledQuery;
    const statement = this.#prepare(sql);
    if (this.#inTransaction) this.#liveBatch();
    else if (!statement.readonly) {
      if (!WRITE_NODES.some((node) => node.is(query))) {
        if (this.#batch) this.#commitBatch();
        return runStatement<R>(statement, parameters);
      }
      this.#openBatch();
      const batch = this.#liveBatch();
      const result = this.#guard(() => runStatement<R>(statement, parameters));
      this.#commitBatch();
      // A failed COMMIT rejects the batch: this write then fails with it.
      return settledOrThrow(batch, result);
    }
    return this.#guard(() => runStatement<R>(statement, parameters));
  }

  async *stream<R>(
    lease: Lease,
    compiledQuery: CompiledQuery,
  ): AsyncIterableIterator<QueryResult<R>> {
    this.#own(lease);
    const { sql, parameters, query } = compiledQuery;
    if (!SelectQueryNode.is(query)) {
      throw new Error('Sqlite driver only supports streaming of select queries');
    }
    const statement = this.#prepare(sql);
    for (const row of statement.iterate(parameters)) yield { rows: [row as R] };
  }

  #own(connection: DatabaseConnection): Lease {
    if (connection !== this.#holder || (connection as Lease).releasedEarly) {
      throw new Error('group commit: connection used after it was released');
    }
    return connection as Lease;
  }

  #run(text: string): void {
    this.#guard(() => this.#prepare(text).run());
  }

  /** Runs `fn`; if SQLite aborted the whole outer transaction, fails the batch too. */
  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (this.#batch && !this.#sqlite.inTransaction) this.#failBatch(error);
      throw error;
    }
  }

  #openBatch(): void {
    if (this.#batch) return;
    this.#prepare('begin immediate').run();
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const committed = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Members await it; a batch nobody awaits must not raise an unhandled rejection.
    committed.catch(() => {});
    this.#batch = { transactions: 0, openedAt: performance.now(), committed, resolve, reject };
  }

  /** The open batch, failing when SQLite has lost it (a rollback it did on its own). */
  #liveBatch(): Batch {
    const batch = this.#batch;
    if (!batch) throw new Error('group commit: no open batch');
    if (!this.#sqlite.inTransaction) {
      const error = new Error('group commit: the batch transaction was rolled back');
      this.#failBatch(error);
      throw error;
    }
    return batch;
  }

  #commitBatch(): void {
    const batch = this.#batch;
    if (!batch) return;
    this.#batch = undefined;
    try {
      this.#hooks.beforeCommit?.(batch.transactions);
      this.#prepare('commit').run();
    } catch (error) {
      this.#batch = batch;
      this.#failBatch(error);
      return;
    }
    batch.resolve();
    this.#hooks.afterCommit?.(batch.transactions);
  }

  #failBatch(error: unknown): void {
    const batch = this.#batch;
    if (!batch) return;
    this.#batch = undefined;
    this.#inTransaction = false;
    if (this.#sqlite.inTransaction) this.#prepare('rollback').run();
    batch.reject(error);
  }

  #unlock(): void {
    this.#holder = undefined;
    const next = this.#waiters.shift();
    if (next) {
      const batch = this.#batch;
      if (
        batch &&
        (batch.transactions >= this.#maxBatch ||
          performance.now() - batch.openedAt >= this.#maxDelayMs)
      ) {
        this.#commitBatch();
      }
      next();
      return;
    }
    this.#locked = false;
    if (this.#batch && !this.#idleCheck) {
      this.#idleCheck = true;
      setImmediate(() => {
        this.#idleCheck = false;
        if (!this.#locked && !this.#destroyed) this.#commitBatch();
      });
    }
  }
}

function runStatement<R>(
  statement: SQLite.Statement,
  parameters: readonly unknown[],
): QueryResult<R> {
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return {
    numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
    insertId:
      lastInsertRowid !== undefined && lastInsertRowid !== null
        ? BigInt(lastInsertRowid)
        : undefined,
    rows: [],
  };
}

/** The result of a write whose batch has just committed, or the COMMIT's error. */
async function settledOrThrow<R>(batch: Batch, result: QueryResult<R>): Promise<QueryResult<R>> {
  await batch.committed;
  return result;
}

async function savepointCommand(
  connection: DatabaseConnection,
  command: 'savepoint' | 'rollback to' | 'release',
  name: string,
): Promise<void> {
  await connection.executeQuery(CompiledQuery.raw(`${command} "${name.replaceAll('"', '""')}"`));
}
