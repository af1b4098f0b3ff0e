// The web terminal route end to end: authentication, pods.connect, the pod.terminal audit
// (start and end, bytes, no keystrokes), resizing, and live closing when access is lost.
// Pods run on the local driver; their terminal is the docker driver's (docker-terminal.ts),
// into a real container named as the docker driver names the Pod's, started by the test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  auditEvents,
  DIALECTS,
  detailsOf,
  signUp,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { insertMembership } from '../accounts/accounts.store.js';
import { newToken } from '../lib/secrets.js';
import { buildPodTeam, createPodAs, type PodTeam, waitForStatus } from './pods.fixtures.js';
import { dockerClient, dockerTerminalOpener } from './runtime/docker-terminal.js';
import {
  dockerAvailable,
  importTinyImage,
  removeTestDocker,
  startPodContainer,
} from './runtime/docker-test-helpers.js';
import { LocalDriver } from './runtime/local-driver.js';
import { waitFor } from './runtime/test-helpers.js';

const docker = dockerClient();
const available = await dockerAvailable(docker);
const IMAGE = `gantry-test-terminal:${newToken(6)
  .toLowerCase()
  .replace(/[^a-z0-9]/g, 'x')}`;

/** The local driver, with the docker driver's terminal. */
class LocalDriverWithTerminal extends LocalDriver {
  openTerminal = dockerTerminalOpener(docker);
}

interface OpenTerminal {
  ws: WebSocket;
  output: () => string;
  closed: Promise<number>;
}

describe.skipIf(!available).each(DIALECTS)('web terminal on %s', (dialect) => {
  let gantry: TestGantry;
  let team: PodTeam;
  let port: number;
  let podId: string;
  let dataDir: string;
  const podIds: string[] = [];
  beforeAll(async () => {
    importTinyImage(IMAGE);
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-terminal-'));
    gantry = await startTestGantry(
      dialect,
      {},
      {
        runtime: new LocalDriverWithTerminal({ dataDir, graceMs: 2000 }),
      },
    );
    team = await buildPodTeam(gantry);
    await gantry.app.listen({ port: 0, host: '127.0.0.1' });
    port = (gantry.app.server.address() as { port: number }).port;
    const pod = await createPodAs(team.dev, team.accountId, { name: 'terminal pod' });
    await waitForStatus(team.dev, team.accountId, pod.id, 'running');
    podId = pod.id;
    podIds.push(podId);
    await startPodContainer(docker, IMAGE, podId);
  }, 60_000);
  afterAll(async () => {
    await gantry?.close();
    await removeTestDocker(docker, IMAGE, podIds);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const url = (query = '') =>
    `ws://127.0.0.1:${port}/api/v1/accounts/${team.accountId}/pods/${podId}/terminal${query}`;
  const open = (headers: Record<string, string>, query = '') =>
    new Promise<OpenTerminal>((resolve, reject) => {
      const ws = new WebSocket(url(query), { headers });
      let text = '';
      ws.on('message', (data: Buffer) => {
        text += data.toString('utf8');
      });
      const closed = new Promise<number>((done) => ws.on('close', (code) => done(code)));
      ws.on('open', () => resolve({ ws, output: () => text, closed }));
      ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.on('error', reject);
    });

  it('opens a shell in the Pod for pods.connect, resizes, and audits start and end without keystrokes', async () => {
    expect(
      (await team.dev.request({ method: 'GET', url: '/api/v1/catalog' })).json().terminal,
    ).toBe(true);
    const term = await open({ cookie: team.dev.cookie }, '?cols=80&rows=24');
    term.ws.send(Buffer.from('echo "pod=$POD_ID"\n'));
    await waitFor(() => term.output().includes(`pod=${podId}`), 10_000);
    term.ws.send(JSON.stringify({ type: 'resize', cols: 132, rows: 40 }));
    // Ignored: bad control frames.
    term.ws.send('{"type":"resize","cols":-1,"rows":1e9}');
    term.ws.send('not json');
    // The resize reaches Docker on its own request: ask the TTY its size until it has it.
    let asked = 0;
    await waitFor(() => {
      if (term.output().includes('40 132')) return true;
      if (asked < 20) {
        asked++;
        term.ws.send(Buffer.from('stty size\n'));
      }
      return false;
    }, 10_000);
    term.ws.close();
    await term.closed;
    await waitFor(async () =>
      (await auditEvents(gantry, team.accountId)).some(
        (e) => e.action === 'pod.terminal' && detailsOf(e).phase === 'end',
      ),
    );
    const events = (await auditEvents(gantry, team.accountId)).filter(
      (e) => e.action === 'pod.terminal',
    );
    expect(events.map((e) => detailsOf(e).phase)).toEqual(['start', 'end']);
    expect(events.every((e) => e.actor_user_id === team.dev.user.id)).toBe(true);
    const end = detailsOf(events[1] as (typeof events)[number]);
    expect(end).toMatchObject({
      reason: 'closed',
      terminalId: detailsOf(events[0] as (typeof events)[number]).terminalId,
    });
    expect(end.bytesIn).toBe('echo "pod=$POD_ID"\n'.length + asked * 'stty size\n'.length);
    expect(Number(end.bytesOut)).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toContain('echo');
  });

  it('refuses without sign-in, pods.connect, membership or Gantry’s origin', async () => {
    await expect(open({})).rejects.toThrow(/401/);
    await expect(open({ cookie: team.billing.cookie })).rejects.toThrow(/403/);
    await expect(open({ cookie: team.outsider.cookie })).rejects.toThrow(/404/);
    await expect(open({ cookie: team.dev.cookie, origin: 'https://evil.example' })).rejects.toThrow(
      /403/,
    );
    await expect(open({ cookie: team.dev.cookie }, '?cols=0')).rejects.toThrow(/400/);
  });

  it('closes the terminal of a member who is removed, within 5 s', async () => {
    const member = await signUp(gantry.app, { name: 'Terry Terminal' });
    await insertMembership(gantry.deps.db, {
      account_id: team.accountId,
      user_id: member.user.id,
      role: 'basic',
      created_at: new Date().toISOString(),
    });
    const term = await open({ cookie: member.cookie });
    term.ws.send(Buffer.from('echo ready\n'));
    await waitFor(() => term.output().includes('ready'), 10_000);
    const removed = await team.admin.request({
      method: 'DELETE',
      url: `/api/v1/accounts/${team.accountId}/members/${member.user.id}`,
    });
    expect(removed.statusCode).toBe(204);
    const started = Date.now();
    expect(await term.closed).toBe(4001);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
