import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ABSENT_ID,
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
} from '../../test/harness.js';
import { convertToTeam } from '../../test/teams.js';

/**
 * Bad input on every route of the OpenAPI document, generated from the document itself so a
 * new route is covered the day it is added: malformed path parameters, bodies of the wrong
 * shape, wrong types, unknown fields, over-long strings and control characters in each body
 * field, and junk in each query parameter. Every answer must be a 4xx with an error code (a
 * query string a GET accepts may also answer 200), none may hang, and the database must hold
 * exactly what it held before.
 */

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  body?: { properties: Record<string, { type?: string | string[] }> };
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string }[];
        requestBody?: { content?: { 'application/json'?: { schema?: Operation['body'] } } };
      }
    >
  >;
}

const LONG = 'x'.repeat(100_000);
const BAD_PATH_VALUES = ['not an id', '%00', 'a%0Ab', 'x'.repeat(300), '..%2F..%2Fetc', '%E0%A4%A'];
const BAD_QUERY_VALUES = ['x'.repeat(5000), 'a%00b', '-1', '1e999', '%E0%A4%A', '[]', ''];

/** A well-formed value for a path parameter that names nothing (or, for `accountId`, ours). */
function validPathValue(name: string, accountId: string): string {
  if (name === 'accountId') return accountId;
  if (name === 'month') return '2026-11';
  if (name === 'token') return 'x'.repeat(43);
  return ABSENT_ID;
}

/** Values that no field of `type` may accept. */
function badValuesFor(type: string | string[] | undefined): unknown[] {
  const types = Array.isArray(type) ? type : [type];
  const values: unknown[] = [{ nested: true }, [1, 2]];
  if (types.includes('string')) values.push(12345, LONG, 'a\u0000b', 'line\nbreak\u0007');
  else values.push('x', LONG);
  if (types.includes('integer') || types.includes('number')) values.push(-1e300, 1e300, 0.5);
  return values;
}

function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, spec] of Object.entries(methods)) {
      const parameters = spec.parameters ?? [];
      const body = spec.requestBody?.content?.['application/json']?.schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        ...(body?.properties ? { body } : {}),
      });
    }
  }
  return operations;
}

const TABLES = [
  'users',
  'accounts',
  'memberships',
  'sessions',
  'login_throttle',
  'user_events',
  'user_two_factor',
  'user_recovery_codes',
  'audit_events',
  'invites',
  'invite_acceptances',
  'api_keys',
  'audit_settings',
  'audit_checkpoints',
  'pods',
  'billing_accounts',
  'billing_transactions',
  'pod_meters',
];

describe.each(DIALECTS)('bad input on every route, on %s', (dialect) => {
  let gantry: TestGantry;
  let owner: TestUser;
  let operations: Operation[];

  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
    owner = await signUp(gantry.app, { name: 'Owner' });
    await convertToTeam(owner);
    const document = await gantry.app.inject({ url: '/api/v1/openapi.json' });
    operations = operationsOf(document.json() as OpenApiDocument);
  });
  afterAll(() => gantry?.close());

  /**
   * Every row of every table, in a stable order: what "writes nothing" compares. An export a
   * GET accepted is audited (`audit.export`, counted apart), so those events and the chain
   * heads they move are left out; so are the owner's wrong passwords (a body of only a password,
   * to turn two-factor sign-in on, is checked as one): counting them is what the throttle is for.
   */
  async function snapshot(): Promise<string> {
    const tables: Record<string, unknown[]> = {};
    const counted: Record<string, ReturnType<typeof sql>> = {
      audit_events: sql` where action != 'audit.export'`,
      login_throttle: sql` where key not like 'password:%'`,
    };
    for (const table of TABLES) {
      const { rows } = await sql<
        Record<string, unknown>
      >`select * from ${sql.table(table)}${counted[table] ?? sql``}`.execute(gantry.deps.db);
      tables[table] = rows.map((row) => JSON.stringify(row)).sort();
    }
    return JSON.stringify(tables);
  }

  /** Sends one request as the owner; fails the test if it takes over 5 s (a hang). */
  async function send(options: InjectOptions) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${options.method} ${options.url} hung`)), 5000);
    });
    try {
      return await Promise.race([owner.request(options), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  const urlOf = (operation: Operation, values: Record<string, string>) =>
    operation.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '');

  it('answers every malformed request with a 4xx and an error code, and writes nothing', async () => {
    expect(operations.length).toBeGreaterThan(40);
    const before = await snapshot();
    const failures: string[] = [];
    let sent = 0;
    let exports = 0;
    const check = async (
      label: string,
      options: InjectOptions,
      allowed: (status: number) => boolean,
    ) => {
      const response = await send(options);
      sent++;
      if (response.statusCode === 200 && String(options.url).includes('/audit-logs/export')) {
        exports++;
      }
      const body = response.headers['content-type']?.toString().includes('json')
        ? (response.json() as { error?: { code?: unknown; message?: unknown } })
        : {};
      const coded =
        response.statusCode < 400 ||
        (typeof body.error?.code === 'string' && typeof body.error?.message === 'string');
      if (!allowed(response.statusCode) || !coded) {
        failures.push(`${label}: ${response.statusCode} ${response.body.slice(0, 200)}`);
      }
    };
    const clientError = (status: number) => status >= 400 && status < 500;

    for (const operation of operations) {
      const valid = Object.fromEntries(
        operation.pathParams.map((name) => [name, validPathValue(name, owner.account.id)]),
      );
      const name = `${operation.method} ${operation.path}`;
      // Each path parameter malformed, the others well-formed.
      for (const param of operation.pathParams) {
        for (const bad of BAD_PATH_VALUES) {
          await check(
            `${name} ${param}=${bad.slice(0, 20)}`,
            {
              method: operation.method as 'GET',
              url: urlOf(operation, { ...valid, [param]: bad }),
            },
            clientError,
          );
        }
      }
      const url = urlOf(operation, valid);
      // Bodies of the wrong shape, unknown fields, and each field given a value it must refuse.
      if (operation.body) {
        const bodies: [string, unknown][] = [
          ['array', []],
          ['string', 'text'],
          ['number', 42],
          ['unknown field', { unknownField: 1 }],
        ];
        for (const [field, schema] of Object.entries(operation.body.properties)) {
          for (const bad of badValuesFor(schema.type)) {
            const shown = typeof bad === 'string' ? bad.slice(0, 12) : JSON.stringify(bad);
            bodies.push([`${field}=${shown}`, { [field]: bad }]);
          }
        }
        for (const [label, payload] of bodies) {
          await check(
            `${name} body ${label}`,
            {
              method: operation.method as 'POST',
              url,
              headers: { 'content-type': 'application/json' },
              payload: JSON.stringify(payload),
            },
            clientError,
          );
        }
      }
      // A query parameter the route does not declare.
      await check(
        `${name} ?unknownParam`,
        { method: operation.method as 'GET', url: `${url}?unknownParam=1` },
        clientError,
      );
      // Junk in each query parameter: refused, or (for a GET) read as a filter that matches.
      for (const param of operation.queryParams) {
        for (const bad of BAD_QUERY_VALUES) {
          await check(
            `${name} ?${param}=${bad.slice(0, 20)}`,
            { method: operation.method as 'GET', url: `${url}?${param}=${bad}` },
            (status) => clientError(status) || (operation.method === 'GET' && status === 200),
          );
        }
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(500);
    expect(await snapshot()).toBe(before);
    const exported = await gantry.deps.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('action', '=', 'audit.export')
      .executeTakeFirstOrThrow();
    expect(Number(exported.n)).toBe(exports);
  });

  it('answers junk in the authentication headers with a 4xx, never a 500', async () => {
    const before = await snapshot();
    const account = `/api/v1/accounts/${owner.account.id}`;
    const headerSets: Record<string, string>[] = [
      { cookie: 'gantry_session=%00' },
      { cookie: `gantry_session=${'x'.repeat(10_000)}` },
      { cookie: 'gantry_session="unterminated' },
      { cookie: 'gantry_session=%E0%A4%A; gantry_session=second' },
      { cookie: '=;;;=;gantry_session' },
      { authorization: 'Bearer' },
      { authorization: `Bearer ${'x'.repeat(300)}` },
      { authorization: 'Bearer gnt_\u00e9\u00e9' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer gnt_a, Bearer gnt_b' },
    ];
    for (const headers of headerSets) {
      for (const [method, url] of [
        ['GET', account],
        ['PATCH', account],
        ['GET', '/api/v1/me'],
      ] as const) {
        const response = await gantry.app.inject({
          method,
          url,
          headers: { ...headers, 'content-type': 'application/json' },
          ...(method === 'PATCH' ? { payload: JSON.stringify({ name: 'Renamed' }) } : {}),
        });
        expect(
          response.statusCode,
          `${method} ${url} ${JSON.stringify(headers)}`,
        ).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
        expect(typeof response.json().error.code).toBe('string');
      }
    }
    // A signed-in write whose Origin or Sec-Fetch-Site is junk is refused as cross-site.
    for (const headers of [
      { origin: 'null' },
      { origin: '%%%' },
      { 'sec-fetch-site': 'cross-site' },
    ]) {
      const response = await owner.request({
        method: 'PATCH',
        url: account,
        headers,
        payload: { name: 'Renamed' },
      });
      expect(response.statusCode, JSON.stringify(headers)).toBe(403);
    }
    expect(await snapshot()).toBe(before);
  });
});
