import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGantry, type TestGantry } from '../../test/harness.js';

/**
 * The console's typed client is generated from web/src/api/openapi.json. This fails when the
 * server's routes or schemas change without regenerating it (`node scripts/gen-api.mjs`), so the
 * console cannot drift from the server.
 */
describe('the OpenAPI document the console is generated from', () => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry('sqlite');
    await gantry.app.ready();
  });
  afterAll(() => gantry?.close());

  it('matches the server', () => {
    const checkedIn = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../../web/src/api/openapi.json'), 'utf8'),
    );
    expect(gantry.app.swagger()).toEqual(checkedIn);
  });

  it('declares a response schema and an error schema for every API route', () => {
    const doc = gantry.app.swagger() as {
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, operation] of Object.entries(methods)) {
        const statuses = Object.keys(operation.responses ?? {});
        expect(
          statuses.some((s) => s.startsWith('2')),
          `${method} ${path}: success`,
        ).toBe(true);
        expect(
          statuses.some((s) => s.startsWith('4')),
          `${method} ${path}: errors`,
        ).toBe(true);
      }
    }
  });

  it('has no unions (anyOf / oneOf), which the response serializer tests branch by branch', () => {
    // Use StringEnum and Nullable from http/schemas.ts instead; see their comments.
    const text = JSON.stringify(gantry.app.swagger());
    expect(text).not.toMatch(/"(anyOf|oneOf)"/);
  });
});
