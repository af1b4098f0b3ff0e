import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type Dialect,
  DummyDriver,
  Kysely,
  type KyselyPlugin,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type UnknownRow,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  findAccount,
  findPersonalAccountsNamed,
  insertAccount,
  insertMembership,
  listMembershipsOfUser,
  lockAccount,
  moveOwnership,
  updateAccount,
} from '../accounts/accounts.store.js';
import {
  countLiveApiKeys,
  findApiKey,
  findKeyForAuthentication,
  insertApiKey,
  listApiKeys,
  touchApiKey,
  updateApiKey,
} from '../apikeys/apikeys.store.js';
import { SYSTEM_CONTEXT } from '../audit/audit.events.js';
import {
  deleteThrough,
  findChainHead,
  findLastSeqBefore,
  findLatestCheckpoint,
  findSettings,
  insertCheckpoint,
  listChainAccounts,
  listRetentionSettings,
  selectActors,
  selectChainBatch,
  selectEventPage,
  selectExportBatch,
  selectOldest,
  upsertSettings,
} from '../audit/audit.store.js';
import { writeAuditEvent } from '../audit/audit.writer.js';
import {
  deleteSession,
  deleteSessionsOf,
  deleteUserEventsBefore,
  findSessionByTokenHash,
  findUserByEmail,
  findUserById,
  insertSession,
  insertUser,
  insertUserEvent,
  listUserEvents,
  listUserSessions,
  touchSession,
  updateUserEmail,
  updateUserName,
  updateUserPassword,
} from '../auth/auth.store.js';
import { blockedFor, clearFailures, recordFailure } from '../auth/throttle.js';
import {
  countRecoveryCodesLeft,
  deleteTwoFactor,
  findTwoFactor,
  markTwoFactorEnabled,
  replacePendingTwoFactor,
  replaceRecoveryCodes,
  useRecoveryCode,
  useTimeStep,
} from '../auth/two-factor.store.js';
import {
  addToBalance,
  advanceMeter,
  ensureBillingAccount,
  findBillingAccount,
  insertTransaction,
  listTransactions,
  lockBillingAccount,
  meterOfPod,
  monthlyTotals,
  sumLedger,
  transactionsBetween,
  updateBillingAccount,
  usageByDay,
  usageByPod,
} from '../billing/billing.store.js';
import { postTransaction } from '../billing/ledger.js';
import {
  consumeInviteUse,
  findInvite,
  findInviteByTokenHash,
  hasAccepted,
  insertAcceptance,
  insertInvite,
  isMemberByEmail,
  listPendingInvites,
  revokeInvite,
  revokePendingInvites,
} from '../invites/invites.store.js';
import {
  deleteMember,
  deleteMembersExcept,
  findMember,
  listMembers,
  setMemberRole,
} from '../members/members.store.js';
import {
  countPods,
  findMeteredPod,
  findPod,
  findPodForSystem,
  insertPod,
  lastConnectAudit,
  listLivePodIds,
  listPodsInStatusForSystem,
  listPodsOfAccount,
  listRunningPods,
  lockMeteredPods,
  lockPodForSystem,
  podNamesOf,
  spendPerHourOfLivePods,
  updatePodIfStatus,
} from '../pods/pods.store.js';
import type { DialectName, Executor, RawHandle, Trx } from './database.js';
import type {
  AccountRow,
  ApiKeyRow,
  BillingTransactionRow,
  Database,
  InviteRow,
  NewUser,
  PodRow,
  SessionRow,
  UserEventRow,
} from './schema.js';

/**
 * SQL snapshots: every query of the stores (and of the few other modules that write SQL of
 * their own: the ledger, the audit chain append, the sign-in throttle) compiled for both
 * dialects and kept in `src/db/sql/<module>.<dialect>.sql`, so a change to a query shows in
 * review. No database is needed: Kysely compiles with each dialect's adapter and query
 * compiler over its `DummyDriver`, the `log` option records the SQL, and a plugin hands the
 * queries that need a row (`executeTakeFirstOrThrow`, a chain head) the sample rows given here.
 *
 * `UPDATE_SQL_SNAPSHOTS=1 npx vitest run src/db/sql-snapshots.test.ts` rewrites the files.
 */

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..');
const SQL_DIR = join(SRC, 'db', 'sql');
const UPDATE = process.env.UPDATE_SQL_SNAPSHOTS === '1';

/** A database that compiles and records queries instead of running them. */
interface Recorder {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Runs `run`, the recorded queries answering `rows` in order (then no rows); their SQL. */
  record(run: Case['run'], rows: readonly UnknownRow[][]): Promise<string[]>;
}

function openRecorder(dialect: DialectName): Recorder {
  const recorded: string[] = [];
  let answers: UnknownRow[][] = [];
  const answer: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: async ({ result }): Promise<QueryResult<UnknownRow>> => {
      const rows = answers.shift();
      return rows ? { ...result, rows } : result;
    },
  };
  const sqlite: Dialect = {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
  const postgres: Dialect = {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
  const db = new Kysely<Database>({
    dialect: dialect === 'sqlite' ? sqlite : postgres,
    plugins: [answer],
    log: (event) => {
      recorded.push(event.query.sql);
    },
  });
  return {
    db,
    dialect,
    async record(run, rows) {
      recorded.length = 0;
      answers = rows.map((r) => [...r]);
      await run(db, dialect);
      return [...recorded];
    },
  };
}

/** One call of a function with sample arguments, and the rows its queries answer. */
class Case {
  constructor(
    readonly run: (db: Kysely<Database>, dialect: DialectName) => Promise<unknown>,
    readonly rows: readonly UnknownRow[][] = [],
  ) {}
}

/** A call; `rows` are the results of its first queries, in order (later ones answer none). */
const call = (run: Case['run'], ...rows: UnknownRow[][]) => new Case(run, rows);

/** A function's snapshot: one call, or several named ones for its branches. */
type Sample = Case | Record<string, Case>;

// Generic sample values: the SQL text never contains them (they are parameters).
const ID = '01900000-0000-7000-8000-000000000001';
const OTHER_ID = '01900000-0000-7000-8000-000000000002';
const NOW = '2026-01-02T03:04:05.000Z';
const LATER = '2026-02-02T03:04:05.000Z';
const HASH = 'a'.repeat(64);

const ACCOUNT: AccountRow = {
  id: ID,
  name: 'Team',
  kind: 'team',
  owner_id: OTHER_ID,
  created_at: NOW,
  updated_at: NOW,
  require_two_factor_at: null,
};
const USER: NewUser = {
  id: ID,
  email: 'a@example.test',
  email_normalized: 'a@example.test',
  name: 'A',
  password_hash: HASH,
  created_at: NOW,
  updated_at: NOW,
};
const SESSION: SessionRow = {
  id: ID,
  user_id: OTHER_ID,
  token_hash: HASH,
  created_at: NOW,
  last_seen_at: NOW,
  expires_at: LATER,
  ip: null,
  user_agent: null,
};
const USER_EVENT: UserEventRow = {
  id: ID,
  user_id: OTHER_ID,
  action: 'user.signin',
  session_id: null,
  ip: null,
  user_agent: null,
  details: null,
  created_at: NOW,
};
const API_KEY: ApiKeyRow = {
  id: ID,
  account_id: OTHER_ID,
  user_id: OTHER_ID,
  name: 'ci',
  prefix: 'gnt_abcd',
  secret_hash: HASH,
  read_only: 0,
  created_at: NOW,
  last_used_at: null,
  expires_at: null,
  disabled_at: null,
  revoked_at: null,
};
const INVITE: InviteRow = {
  id: ID,
  account_id: OTHER_ID,
  role: 'dev',
  email_normalized: null,
  token_hash: HASH,
  token_sealed: HASH,
  expires_at: LATER,
  max_uses: 1,
  uses: 0,
  created_at: NOW,
  created_by: OTHER_ID,
  revoked_at: null,
};
const METER = {
  pod_id: ID,
  account_id: ID,
  metered_until: NOW,
  price_per_hour: 1,
  metered_ms: 0,
  charged: 0,
  updated_at: NOW,
};

const POD: PodRow = {
  id: ID,
  account_id: OTHER_ID,
  name: 'pod',
  status: 'provisioning',
  gpu_type: 'a100',
  gpu_count: 1,
  template_id: 'pytorch',
  price_per_hour: 1_000_000,
  env: '{}',
  created_by: OTHER_ID,
  created_at: NOW,
  updated_at: NOW,
  started_at: null,
  stopped_at: null,
  terminated_at: null,
  last_error: null,
};
const TRANSACTION: BillingTransactionRow = {
  id: ID,
  account_id: OTHER_ID,
  kind: 'credit',
  amount: 1_000_000,
  balance_after: 1_000_000,
  time: NOW,
  actor_type: 'operator',
  actor_id: 'operator',
  actor_email: null,
  note: null,
  provider: null,
  pod_id: null,
  period_start: null,
  period_end: null,
  duration_ms: null,
  created_at: NOW,
};
const EVERY_AUDIT_FILTER = {
  from: NOW,
  to: LATER,
  userId: ID,
  action: 'pod.create',
  resourceType: 'pod',
  resourceId: ID,
  outcome: 'success',
} as const;
const THROTTLE = [
  { key: 'ip:127.0.0.1', rule: { free: 1, windowSeconds: 60, maxDelaySeconds: 60 } },
  { key: 'email:a@example.test', rule: { free: 1, windowSeconds: 60, maxDelaySeconds: 60 } },
];
const CHAIN_HEAD = { seq: 1, hash: HASH, time: NOW };

/** Runs `fn` in a transaction of the recorder's database (BEGIN/COMMIT are not recorded). */
const inTransaction = <T>(db: Executor, fn: (trx: Trx) => Promise<T>) =>
  db.transaction().execute(fn);

interface ModuleSamples {
  /** The module, relative to `src/`. */
  path: string;
  /** Every exported function of a store needs a sample; elsewhere only these are recorded. */
  only?: readonly string[];
  /** Exported functions that send no SQL. */
  noSql?: readonly string[];
  samples: Record<string, Sample>;
}

const MODULES: Record<string, ModuleSamples> = {
  'accounts.store': {
    path: 'accounts/accounts.store.ts',
    samples: {
      insertAccount: call((db) => insertAccount(db, ACCOUNT)),
      insertMembership: call((db) =>
        insertMembership(db, { account_id: ID, user_id: OTHER_ID, role: 'dev', created_at: NOW }),
      ),
      findAccount: call((db) => findAccount(db, ID)),
      listMembershipsOfUser: {
        all: call((db) => listMembershipsOfUser(db, ID)),
        'one account': call((db) => listMembershipsOfUser(db, ID, OTHER_ID)),
      },
      lockAccount: {
        update: call((db, dialect) => lockAccount(db, dialect, ID, 'update')),
        share: call((db, dialect) => lockAccount(db, dialect, ID, 'share')),
      },
      findPersonalAccountsNamed: call((db) => findPersonalAccountsNamed(db, ID, 'A')),
      updateAccount: call((db) => updateAccount(db, ID, { name: 'B', updated_at: NOW })),
      moveOwnership: call((db) => moveOwnership(db, ID, ID, OTHER_ID, NOW)),
    },
  },
  'apikeys.store': {
    path: 'apikeys/apikeys.store.ts',
    samples: {
      insertApiKey: call((db) => insertApiKey(db, API_KEY)),
      listApiKeys: {
        all: call((db) => listApiKeys(db, ID)),
        'of a user': call((db) => listApiKeys(db, ID, OTHER_ID)),
      },
      findApiKey: call((db) => findApiKey(db, ID, OTHER_ID)),
      countLiveApiKeys: call((db) => countLiveApiKeys(db, ID, OTHER_ID), [{ count: 1 }]),
      updateApiKey: call((db) => updateApiKey(db, ID, OTHER_ID, { revoked_at: NOW })),
      findKeyForAuthentication: call((db) => findKeyForAuthentication(db, HASH)),
      touchApiKey: call((db) => touchApiKey(db, ID, NOW)),
    },
  },
  'audit.store': {
    path: 'audit/audit.store.ts',
    samples: {
      selectEventPage: {
        'no filters': call((db) => selectEventPage(db, ID, {}, {}, 50)),
        'every filter': call((db) =>
          selectEventPage(db, ID, EVERY_AUDIT_FILTER, { before: 10, upTo: 20 }, 50),
        ),
        'action prefix': call((db) => selectEventPage(db, ID, { action: 'pod.*' }, {}, 50)),
      },
      // Through Kysely (the raw SQLite statement runs the same compiled SQL).
      selectExportBatch: call((db) =>
        selectExportBatch(
          { db, raw: { dialect: 'postgres' } as RawHandle },
          ID,
          EVERY_AUDIT_FILTER,
          { before: 10, upTo: 20 },
          1000,
        ),
      ),
      selectChainBatch: call((db) => selectChainBatch(db, ID, 0, 100, 1000)),
      findChainHead: call((db) => findChainHead(db, ID)),
      listChainAccounts: call((db) => listChainAccounts(db)),
      findLatestCheckpoint: call((db) => findLatestCheckpoint(db, ID)),
      selectActors: call((db) => selectActors(db, ID)),
      findSettings: call((db) => findSettings(db, ID)),
      upsertSettings: call((db) =>
        upsertSettings(
          db,
          ID,
          { retentionDays: 365, pendingRetentionDays: 90, pendingEffectiveAt: NOW },
          NOW,
          OTHER_ID,
        ),
      ),
      listRetentionSettings: call((db) => listRetentionSettings(db)),
      findLastSeqBefore: call((db) => findLastSeqBefore(db, ID, NOW)),
      selectOldest: call((db) => selectOldest(db, ID, 10, 100)),
      deleteThrough: call((db) => deleteThrough(db, ID, 10)),
      insertCheckpoint: call((db) =>
        insertCheckpoint(db, { account_id: ID, seq: 10, hash: HASH, pruned_at: NOW, deleted: 10 }),
      ),
    },
  },
  'audit.writer': {
    path: 'audit/audit.writer.ts',
    only: ['writeAuditEvent'],
    samples: {
      writeAuditEvent: {
        'next in the chain': call(
          (db) =>
            writeAuditEvent(db, SYSTEM_CONTEXT, new Date(NOW), {
              accountId: ID,
              action: 'account.create',
              resource: { type: 'account', id: ID },
              details: { name: 'Team', kind: 'team' },
            }),
          [CHAIN_HEAD],
        ),
        'first of the chain': call(
          (db) =>
            writeAuditEvent(db, SYSTEM_CONTEXT, new Date(NOW), {
              accountId: ID,
              action: 'account.create',
              resource: { type: 'account', id: ID },
              details: { name: 'Team', kind: 'team' },
            }),
          [],
          [],
          [CHAIN_HEAD],
        ),
      },
    },
  },
  'auth.store': {
    path: 'auth/auth.store.ts',
    noSql: ['normalizeEmail'],
    samples: {
      findUserByEmail: call((db) => findUserByEmail(db, 'a@example.test')),
      findUserById: call((db) => findUserById(db, ID)),
      insertUser: call((db) => insertUser(db, USER)),
      updateUserName: call((db) => updateUserName(db, ID, 'B', NOW)),
      updateUserEmail: call((db) => updateUserEmail(db, ID, 'b@example.test', NOW)),
      updateUserPassword: {
        any: call((db) => updateUserPassword(db, ID, HASH, NOW)),
        'if unchanged': call((db) => updateUserPassword(db, ID, HASH, NOW, HASH)),
      },
      insertSession: call((db) => insertSession(db, SESSION)),
      findSessionByTokenHash: call((db) => findSessionByTokenHash(db, HASH, ID)),
      touchSession: call((db) => touchSession(db, ID, NOW)),
      listUserSessions: call((db) => listUserSessions(db, ID, NOW)),
      deleteSession: call((db) => deleteSession(db, ID, OTHER_ID)),
      deleteSessionsOf: {
        all: call((db) => deleteSessionsOf(db, ID)),
        'but one': call((db) => deleteSessionsOf(db, ID, OTHER_ID)),
      },
      insertUserEvent: call((db) => insertUserEvent(db, USER_EVENT)),
      listUserEvents: {
        first: call((db) => listUserEvents(db, ID, { limit: 20 })),
        next: call((db) => listUserEvents(db, ID, { limit: 20, beforeId: OTHER_ID })),
      },
      deleteUserEventsBefore: call((db) => deleteUserEventsBefore(db, NOW)),
    },
  },
  'auth.throttle': {
    path: 'auth/throttle.ts',
    only: ['blockedFor', 'recordFailure', 'clearFailures'],
    samples: {
      blockedFor: call((db) => blockedFor(db, THROTTLE, new Date(NOW))),
      recordFailure: call((db) => recordFailure(db, THROTTLE.slice(0, 1), new Date(NOW))),
      clearFailures: call((db) => clearFailures(db, ['ip:127.0.0.1', 'email:a@example.test'])),
    },
  },
  'two-factor.store': {
    path: 'auth/two-factor.store.ts',
    samples: {
      findTwoFactor: call((db) => findTwoFactor(db, ID)),
      replacePendingTwoFactor: call((db) => replacePendingTwoFactor(db, ID, HASH, NOW)),
      markTwoFactorEnabled: call((db) => markTwoFactorEnabled(db, ID, HASH, 1, NOW)),
      useTimeStep: call((db) => useTimeStep(db, ID, 1)),
      deleteTwoFactor: call((db) => deleteTwoFactor(db, ID)),
      replaceRecoveryCodes: call((db) => replaceRecoveryCodes(db, ID, [HASH, HASH], NOW)),
      useRecoveryCode: call((db) => useRecoveryCode(db, ID, HASH, NOW)),
      countRecoveryCodesLeft: call((db) => countRecoveryCodesLeft(db, ID), [{ count: 1 }]),
    },
  },
  'billing.store': {
    path: 'billing/billing.store.ts',
    samples: {
      ensureBillingAccount: call((db) => ensureBillingAccount(db, ID, NOW)),
      findBillingAccount: call((db) => findBillingAccount(db, ID)),
      lockBillingAccount: {
        existing: call((db) => lockBillingAccount(db, ID)),
        'created when missing': call((db) => lockBillingAccount(db, ID, NOW)),
      },
      updateBillingAccount: call(
        (db) => updateBillingAccount(db, ID, { company_name: 'Co', country_code: 'DE' }, NOW),
        [{ account_id: ID }],
      ),
      addToBalance: call((db) => addToBalance(db, ID, 1_000_000, NOW), [{ balance: 1_000_000 }]),
      insertTransaction: call((db) => insertTransaction(db, TRANSACTION)),
      listTransactions: {
        'no filter': call((db) => listTransactions(db, ID, {}, 50)),
        'every filter': call((db) =>
          listTransactions(db, ID, { kind: 'usage', from: NOW, to: LATER, beforeId: ID }, 50),
        ),
      },
      transactionsBetween: call((db) => transactionsBetween(db, ID, NOW, LATER)),
      sumLedger: {
        all: call((db) => sumLedger(db, ID), [{ total: 0 }]),
        before: call((db) => sumLedger(db, ID, NOW), [{ total: 0 }]),
      },
      usageByPod: call((db) => usageByPod(db, ID, NOW, LATER)),
      usageByDay: call((db) => usageByDay(db, ID, NOW, LATER)),
      monthlyTotals: call((db) => monthlyTotals(db, ID)),
      meterOfPod: call((db) => meterOfPod(db, POD, NOW), [], [METER]),
      advanceMeter: call((db) =>
        advanceMeter(db, ID, NOW, {
          metered_until: LATER,
          price_per_hour: 1,
          metered_ms: 1000,
          charged: 1,
          updated_at: LATER,
        }),
      ),
    },
  },
  'billing.ledger': {
    path: 'billing/ledger.ts',
    samples: {
      postTransaction: call(
        (db) =>
          inTransaction(db, (trx) =>
            postTransaction(trx, {
              accountId: ID,
              kind: 'credit',
              amount: 1_000_000,
              time: new Date(NOW),
              actor: SYSTEM_CONTEXT.actor,
            }),
          ),
        [],
        [{ balance: 1_000_000 }],
      ),
    },
  },
  'invites.store': {
    path: 'invites/invites.store.ts',
    samples: {
      insertInvite: call((db) => insertInvite(db, INVITE)),
      findInvite: call((db) => findInvite(db, ID, OTHER_ID)),
      listPendingInvites: call((db) => listPendingInvites(db, ID, NOW)),
      findInviteByTokenHash: call((db) => findInviteByTokenHash(db, HASH)),
      revokeInvite: call((db) => revokeInvite(db, ID, OTHER_ID, NOW)),
      revokePendingInvites: call((db) => revokePendingInvites(db, ID, NOW)),
      consumeInviteUse: call((db) => consumeInviteUse(db, ID, NOW)),
      insertAcceptance: call((db) =>
        insertAcceptance(db, {
          invite_id: ID,
          user_id: OTHER_ID,
          account_id: ID,
          accepted_at: NOW,
        }),
      ),
      hasAccepted: call((db) => hasAccepted(db, ID, OTHER_ID)),
      isMemberByEmail: call((db) => isMemberByEmail(db, ID, 'a@example.test')),
    },
  },
  'members.store': {
    path: 'members/members.store.ts',
    samples: {
      listMembers: call((db) => listMembers(db, ID)),
      findMember: call((db) => findMember(db, ID, OTHER_ID)),
      setMemberRole: call((db) => setMemberRole(db, ID, OTHER_ID, 'admin')),
      deleteMember: call((db) => deleteMember(db, ID, OTHER_ID)),
      deleteMembersExcept: call((db) => deleteMembersExcept(db, ID, OTHER_ID)),
    },
  },
  'pods.store': {
    path: 'pods/pods.store.ts',
    samples: {
      insertPod: call((db) => insertPod(db, POD)),
      findPod: call((db) => findPod(db, ID, OTHER_ID)),
      listPodsOfAccount: {
        first: call((db) => listPodsOfAccount(db, ID, { includeTerminated: false, limit: 50 })),
        'next, with terminated': call((db) =>
          listPodsOfAccount(db, ID, { includeTerminated: true, limit: 50, afterId: OTHER_ID }),
        ),
      },
      countPods: call((db) => countPods(db, ID, ['running', 'starting']), [{ count: 1 }]),
      updatePodIfStatus: call((db) =>
        updatePodIfStatus(db, ID, OTHER_ID, ['running'], { status: 'exited', stopped_at: NOW }),
      ),
      findPodForSystem: call((db) => findPodForSystem(db, ID)),
      listPodsInStatusForSystem: call((db) => listPodsInStatusForSystem(db, ['running'])),
      lastConnectAudit: call((db) => lastConnectAudit(db, ID, OTHER_ID, ID, NOW)),
      spendPerHourOfLivePods: {
        all: call((db) => spendPerHourOfLivePods(db, ID), [{ total: 0 }]),
        'but one': call((db) => spendPerHourOfLivePods(db, ID, OTHER_ID), [{ total: 0 }]),
      },
      podNamesOf: call((db) => podNamesOf(db, ID, [ID, OTHER_ID])),
      lockPodForSystem: call((db, dialect) => lockPodForSystem(db, ID, dialect)),
      listRunningPods: call((db) => listRunningPods(db)),
      lockMeteredPods: call((db, dialect) => lockMeteredPods(db, dialect, ID, [ID, OTHER_ID])),
      findMeteredPod: call((db) => findMeteredPod(db, ID)),
      listLivePodIds: call((db) => listLivePodIds(db, ID)),
    },
  },
};

/** Every `src/<module>/*.store.ts`, relative to `src/`. */
function storeFiles(): string[] {
  return readdirSync(SRC, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(SRC, dir.name))
        .filter((file) => file.endsWith('.store.ts'))
        .map((file) => `${dir.name}/${file}`),
    )
    .sort();
}

/** The names a module's snapshot must have: its exported functions (or `only`), less `noSql`. */
async function requiredNames(module: ModuleSamples): Promise<string[]> {
  if (module.only) return [...module.only].sort();
  const url = pathToFileURL(join(SRC, module.path)).href;
  const exports = (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
  return Object.entries(exports)
    .filter(([name, value]) => typeof value === 'function' && !module.noSql?.includes(name))
    .map(([name]) => name)
    .sort();
}

/** The snapshot file's text: one block per call, its name as a comment, one statement a line. */
async function renderSnapshot(recorder: Recorder, module: ModuleSamples): Promise<string> {
  const blocks: string[] = [];
  for (const [name, sample] of Object.entries(module.samples).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const cases = sample instanceof Case ? { '': sample } : sample;
    for (const [label, c] of Object.entries(cases)) {
      const queries = await recorder.record(c.run, c.rows);
      if (queries.length === 0) throw new Error(`${name} ${label}: no SQL was recorded`);
      blocks.push(`-- ${label ? `${name} (${label})` : name}\n${queries.join(';\n')};\n`);
    }
  }
  return `-- Generated by src/db/sql-snapshots.test.ts; UPDATE_SQL_SNAPSHOTS=1 rewrites it.\n\n${blocks.join('\n')}`;
}

function readSnapshot(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

describe('SQL snapshots', () => {
  it('every store module has samples', () => {
    const sampled = Object.values(MODULES).map((m) => m.path);
    expect(
      storeFiles().filter((file) => !sampled.includes(file)),
      'store files without an entry in MODULES',
    ).toEqual([]);
  });

  for (const [name, module] of Object.entries(MODULES)) {
    it(`${name}: every exported function has a sample`, async () => {
      expect(
        Object.keys(module.samples).sort(),
        'each exported function needs a sample call in MODULES (or, sending no SQL, noSql)',
      ).toEqual(await requiredNames(module));
    });

    for (const dialect of ['sqlite', 'postgres'] as const) {
      it(`${name}: the ${dialect} SQL matches src/db/sql/${name}.${dialect}.sql`, async () => {
        const file = join(SQL_DIR, `${name}.${dialect}.sql`);
        const text = await renderSnapshot(openRecorder(dialect), module);
        if (UPDATE) {
          if (readSnapshot(file) !== text) writeFileSync(file, text);
          return;
        }
        expect(
          readSnapshot(file),
          `src/db/sql/${name}.${dialect}.sql is out of date: run UPDATE_SQL_SNAPSHOTS=1 npx vitest run src/db/sql-snapshots.test.ts and review the diff`,
        ).toBe(text);
      });
    }
  }

  it('no snapshot file is left without its module', () => {
    const expected = Object.keys(MODULES).flatMap((m) => [`${m}.postgres.sql`, `${m}.sqlite.sql`]);
    const stray = readdirSync(SQL_DIR).filter((file) => !expected.includes(file));
    expect(stray).toEqual([]);
  });
});
