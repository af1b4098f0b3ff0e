import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, signUp, startTestGantry, type TestGantry } from '../../test/harness.js';

describe.each(DIALECTS)('system endpoints on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry?.close());

  it('answers health, readiness and metrics', async () => {
    expect((await gantry.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await gantry.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    await signUp(gantry.app);
    const metrics = await gantry.app.inject({ url: '/metrics' });
    expect(metrics.body).toContain(
      'gantry_http_requests_total{method="POST",route="/api/v1/auth/signup",status="201"}',
    );
    expect(metrics.body).toContain('gantry_http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
  });

  it('serves an OpenAPI 3.1 document describing every API route', async () => {
    const response = await gantry.app.inject({ url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/signup', '/api/v1/me', '/api/v1/accounts/{accountId}']),
    );
    expect(doc.components.schemas).toHaveProperty('Account');
    const docs = await gantry.app.inject({ url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
  });

  it('answers unknown API routes with a JSON 404 and a request id', async () => {
    const response = await gantry.app.inject({ url: '/api/v1/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('not_found');
    expect(response.headers['x-request-id']).toBeTruthy();
  });
});
