// Connect on Pod origins of their own (GANTRY_CONNECT_URL): the handoff from the console, the
// host-only cookie, the current-permission check on every request, and live access (open
// WebSockets closed when access is lost), on real Pods of the local driver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DIALECTS, signUp, startTestGantry, type TestGantry } from '../../test/harness.js';
import { insertMembership } from '../accounts/accounts.store.js';
import { buildPodTeam, createPodAs, type PodTeam, waitForStatus } from './pods.fixtures.js';
import { rawGet } from './runtime/test-helpers.js';

const PATTERN = 'http://{pod}-{port}.connect.test';

describe.each(DIALECTS)('Connect on %s', (dialect) => {
  describe('on Pod origins of their own', () => {
    let gantry: TestGantry;
    let team: PodTeam;
    let port: number;
    let podId: string;
    let podHost: string;
    beforeAll(async () => {
      gantry = await startTestGantry(dialect, { GANTRY_CONNECT_URL: PATTERN });
      team = await buildPodTeam(gantry);
      await gantry.app.listen({ port: 0, host: '127.0.0.1' });
      port = (gantry.app.server.address() as { port: number }).port;
      const pod = await createPodAs(team.dev, team.accountId, { name: 'origin pod' });
      await waitForStatus(team.dev, team.accountId, pod.id, 'running');
      podId = pod.id;
      podHost = `${podId}-8080.connect.test`;
    });
    afterAll(() => gantry?.close());

    const get = (path: string, headers: Record<string, string> = {}) => rawGet(port, path, headers);
    /** Enters the Pod origin as `cookie` (a console session) and returns its Pod cookie. */
    const enter = async (cookie: string, path = '/') => {
      const handoff = await get(`/pods/${podId}/8080${path}`, { cookie });
      expect(handoff.status).toBe(303);
      const location = new URL(handoff.headers.location ?? '');
      expect(location.origin).toBe(`http://${podHost}`);
      const redeemed = await get(location.pathname + location.search, { host: podHost });
      expect(redeemed.status).toBe(303);
      const setCookie = redeemed.headers['set-cookie']?.[0] ?? '';
      return { redeemed, setCookie, podCookie: setCookie.split(';')[0] ?? '', location };
    };

    it('hands the console session over with a single-use code for a host-only cookie', async () => {
      const { redeemed, setCookie, podCookie, location } = await enter(team.dev.cookie, '/x?y=1');
      expect(location.pathname).toBe('/__gantry/handoff');
      expect(location.searchParams.get('code')?.length).toBeGreaterThanOrEqual(43);
      expect(redeemed.headers.location).toBe('/x?y=1');
      expect(setCookie).toMatch(/^gantry_connect=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax/);
      expect(setCookie.toLowerCase()).not.toContain('domain=');
      // The code is hashed at rest and works once.
      const code = location.searchParams.get('code') ?? '';
      const stored = await gantry.deps.db.selectFrom('connect_sessions').selectAll().execute();
      expect(JSON.stringify(stored)).not.toContain(podCookie.split('=')[1]);
      const again = await get(location.pathname + location.search, { host: podHost });
      expect(again.status).toBe(401);
      expect(
        (await get(`/__gantry/handoff?code=${code}`, { host: podHost, accept: 'text/html' })).body,
      ).toContain('expired or was used already');

      // On the Pod origin the cookie is the visitor's identity; Gantry's cookies never reach the Pod.
      const seen = await get('/headers', { host: podHost, cookie: `${podCookie}; theme=dark` });
      expect(seen.status).toBe(200);
      const headers = JSON.parse(seen.body).headers;
      expect(headers.cookie).toBe('theme=dark');
      expect(headers['x-forwarded-prefix']).toBeUndefined();
      // The console's API is not there: the path goes to the Pod, and a session cookie is no pass.
      const api = await get('/api/v1/me', { host: podHost, cookie: podCookie });
      expect(api.body).toBe('not found\n');
      expect((await get('/', { host: podHost, cookie: team.dev.cookie })).status).toBe(401);
      // Not for another Pod port, nor another Pod.
      expect(
        (await get('/', { host: `${podId}-8081.connect.test`, cookie: podCookie })).status,
      ).toBe(401);
    });

    it('serves no Pod content on the console origin and refuses what is not the visitor’s', async () => {
      // The console origin only redirects; without a session, a browser gets the sign-in page.
      const anonymous = await get(`/pods/${podId}/8080/`, { accept: 'text/html' });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toContain('Sign in');
      expect((await get(`/pods/${podId}/8080/`, { cookie: team.billing.cookie })).status).toBe(403);
      expect((await get(`/pods/${podId}/8080/`, { cookie: team.outsider.cookie })).status).toBe(
        404,
      );
      // On the Pod origin without a cookie: back to the console to enter.
      const page = await get('/', { host: podHost, accept: 'text/html' });
      expect(page.status).toBe(401);
      expect(page.body).toContain(`href="http://gantry.test/pods/${podId}/8080/"`);

      const { podCookie } = await enter(team.basic.cookie);
      // Another origin (another Pod's page) cannot use the visitor's cookie.
      const refusedHeaders: Array<Record<string, string>> = [
        { origin: 'http://other-8080.connect.test' },
        { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' },
        { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate', origin: 'null' },
      ];
      for (const headers of refusedHeaders) {
        const res = await get('/', { host: podHost, cookie: podCookie, ...headers });
        expect(res.status, JSON.stringify(headers)).toBe(403);
      }
      const navigation = await get('/', {
        host: podHost,
        cookie: podCookie,
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'navigate',
      });
      expect(navigation.status).toBe(200);
    });

    it('checks the current role on every request and closes open WebSockets when it is lost', async () => {
      const carol = await signUpMember(gantry, team.accountId, 'dev');
      const { podCookie } = await enter(carol.cookie);
      expect((await get('/healthz', { host: podHost, cookie: podCookie })).status).toBe(200);
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
        headers: { host: podHost, cookie: podCookie, origin: `http://${podHost}` },
      });
      await new Promise<void>((resolve, reject) => {
        ws.on('open', () => resolve());
        ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
        ws.on('error', reject);
      });
      const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
      // Billing has no pods.connect: the next request is refused and the socket is closed.
      const demote = await team.admin.request({
        method: 'PATCH',
        url: `/api/v1/accounts/${team.accountId}/members/${carol.userId}`,
        payload: { role: 'billing' },
      });
      expect(demote.statusCode).toBe(200);
      expect((await get('/healthz', { host: podHost, cookie: podCookie })).status).toBe(403);
      const started = Date.now();
      await closed;
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  describe('on the console origin (no GANTRY_CONNECT_URL)', () => {
    let gantry: TestGantry;
    let team: PodTeam;
    let port: number;
    let podId: string;
    beforeAll(async () => {
      gantry = await startTestGantry(dialect);
      team = await buildPodTeam(gantry);
      await gantry.app.listen({ port: 0, host: '127.0.0.1' });
      port = (gantry.app.server.address() as { port: number }).port;
      const pod = await createPodAs(team.dev, team.accountId, { name: 'live pod' });
      await waitForStatus(team.dev, team.accountId, pod.id, 'running');
      podId = pod.id;
    });
    afterAll(() => gantry?.close());

    const openWs = (cookie: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/pods/${podId}/8080/ws`, {
          headers: { cookie },
        });
        ws.on('open', () => resolve(ws));
        ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
        ws.on('error', reject);
      });
    const closeOf = (ws: WebSocket) =>
      new Promise<void>((resolve) => ws.on('close', () => resolve()));

    it('closes the WebSockets of a removed member, and everyone’s when the Pod stops, within 5 s', async () => {
      const erin = await signUpMember(gantry, team.accountId, 'basic');
      const erinWs = await openWs(erin.cookie);
      const devWs = await openWs(team.dev.cookie);
      const erinClosed = closeOf(erinWs);
      const devClosed = closeOf(devWs);
      const removed = await team.admin.request({
        method: 'DELETE',
        url: `/api/v1/accounts/${team.accountId}/members/${erin.userId}`,
      });
      expect(removed.statusCode).toBe(204);
      let started = Date.now();
      await erinClosed;
      expect(Date.now() - started).toBeLessThan(5000);
      // The Dev's stays open meanwhile, and echoes.
      const echoed = new Promise<string>((resolve) =>
        devWs.once('message', (d) => resolve(String(d))),
      );
      devWs.send('still here');
      expect(await echoed).toBe('still here');

      // The Pod stopped in the database (as another instance would record it): closed too.
      await gantry.deps.db
        .updateTable('pods')
        .set({ status: 'exited' })
        .where('id', '=', podId)
        .execute();
      started = Date.now();
      await devClosed;
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('records the last Connect traffic on the Pod', async () => {
      const pod = await gantry.deps.db
        .selectFrom('pods')
        .select('last_traffic_at')
        .where('id', '=', podId)
        .executeTakeFirstOrThrow();
      expect(pod.last_traffic_at).not.toBeNull();
    });
  });
});

/** A new user who is a member of the account with `role` (inserted directly). */
async function signUpMember(gantry: TestGantry, accountId: string, role: 'basic' | 'dev') {
  const user = await signUp(gantry.app, { name: `Member ${role}` });
  await insertMembership(gantry.deps.db, {
    account_id: accountId,
    user_id: user.user.id,
    role,
    created_at: new Date().toISOString(),
  });
  return { cookie: user.cookie, userId: user.user.id };
}
