import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGantry, type TestGantry } from '../../test/harness.js';

interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
}

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

  /** Every operation of the document, with its method and path. */
  function operations() {
    const doc = gantry.app.swagger() as {
      paths: Record<string, Record<string, OpenApiOperation>>;
    };
    return Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        name: `${method.toUpperCase()} ${path}`,
        ...operation,
      })),
    );
  }

  it('names every operation with a unique verbNoun operationId (see CONTRIBUTING.md)', () => {
    const ids = new Map<string, string>();
    for (const operation of operations()) {
      expect(operation.operationId, `${operation.name}: operationId`).toMatch(/^[a-z]+[A-Z]\w*$/);
      const id = operation.operationId ?? '';
      expect(ids.get(id), `${operation.name}: operationId ${id} is taken`).toBeUndefined();
      ids.set(id, operation.name);
    }
    expect(ids.size).toBeGreaterThan(50);
  });

  it('describes every operation and every response in words of its own', () => {
    for (const operation of operations()) {
      expect(operation.summary, `${operation.name}: summary`).toBeTruthy();
      expect(operation.description?.length, `${operation.name}: description`).toBeGreaterThan(20);
      expect(operation.description).not.toBe(operation.summary);
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        expect(response.description, `${operation.name} ${status}`).toBeTruthy();
        expect(response.description, `${operation.name} ${status}`).not.toBe('Default Response');
      }
    }
  });

  it('tags every operation with a declared tag, and declares no tag nothing uses', () => {
    const doc = gantry.app.swagger() as { tags?: { name: string; description?: string }[] };
    const declared = new Set((doc.tags ?? []).map((tag) => tag.name));
    for (const tag of doc.tags ?? []) expect(tag.description, tag.name).toBeTruthy();
    const used = new Set<string>();
    for (const operation of operations()) {
      expect(operation.tags?.length, `${operation.name}: tags`).toBe(1);
      for (const tag of operation.tags ?? []) {
        expect(declared.has(tag), `${operation.name}: tag ${tag} is not declared`).toBe(true);
        used.add(tag);
      }
    }
    expect([...declared].sort()).toEqual([...used].sort());
  });

  it('needs no credentials on the public routes, and credentials on every other', () => {
    const PUBLIC = [
      'POST /api/v1/auth/signup',
      'POST /api/v1/auth/login',
      'GET /api/v1/invites/{token}',
      'GET /api/v1/auth/mail',
      'POST /api/v1/auth/verify-email',
      'POST /api/v1/auth/password-reset',
      'POST /api/v1/auth/password-reset/confirm',
      'GET /healthz',
      'GET /readyz',
    ];
    for (const operation of operations()) {
      if (PUBLIC.includes(operation.name)) {
        expect(operation.security, operation.name).toEqual([]);
      } else {
        // The document's global requirement (a session or an API key) applies.
        expect(operation.security, operation.name).toBeUndefined();
      }
    }
  });

  it('answers every error as JSON, whatever the success answer is', () => {
    for (const operation of operations()) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (Number(status) < 400) continue;
        expect(Object.keys(response.content ?? {}), `${operation.name} ${status}`).toEqual([
          'application/json',
        ]);
      }
    }
  });

  it('has no unions (anyOf / oneOf), which the response serializer tests branch by branch', () => {
    // Use StringEnum and Nullable from http/schemas.ts instead; see their comments.
    const text = JSON.stringify(gantry.app.swagger());
    expect(text).not.toMatch(/"(anyOf|oneOf)"/);
  });
});
