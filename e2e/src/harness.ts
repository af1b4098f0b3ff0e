import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from 'playwright-core';
import { afterAll, beforeAll, beforeEach } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
export const SCREENSHOTS = join(ROOT, 'e2e/screenshots');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningGantry {
  url: string;
  dataDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Extra environment of a Gantry under test, or a function of the port it will listen on. */
export type GantryEnv = Record<string, string> | ((port: number) => Record<string, string>);

/** Starts a real Gantry (`gantry serve`) on a free port with its own data folder. */
export async function startGantry(envOf: GantryEnv = {}): Promise<RunningGantry> {
  const port = await freePort();
  const env = typeof envOf === 'function' ? envOf(port) : envOf;
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-e2e-'));
  const child = spawn(process.execPath, [join(ROOT, 'server/bin/gantry.mjs'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      GANTRY_DATA_DIR: dataDir,
      GANTRY_PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gantry exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    dataDir,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, as this machine requires. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A fresh browser profile (cookies and all), like a second person on another machine. */
export function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 800 } });
}

/** A page in a fresh browser profile of its own. */
export async function newPage(browser: Browser): Promise<Page> {
  return (await newContext(browser)).newPage();
}

export interface E2eSession {
  readonly gantry: RunningGantry;
  readonly browser: Browser;
}

/**
 * Starts a Gantry and a browser before the tests of the enclosing `describe` and stops both
 * after them. Read `gantry` and `browser` inside the tests (they exist once `beforeAll` ran).
 */
export function useGantryAndBrowser(env: GantryEnv = {}): E2eSession {
  let gantry: RunningGantry | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    gantry = await startGantry(env);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gantry?.stop();
  });
  // A failed test leaves a picture of every page still open: what the browser showed when it gave up.
  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(async () => {
      const pages = browser?.contexts().flatMap((context) => context.pages()) ?? [];
      const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await Promise.all(
        pages.map((page, index) =>
          screenshot(page, `failed-${name}-${index + 1}`).catch(() => undefined),
        ),
      );
    });
  });
  return {
    get gantry() {
      if (!gantry) throw new Error('Gantry is not started yet (read it inside a test)');
      return gantry;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not launched yet (read it inside a test)');
      return browser;
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  // Transitions finished: a menu or dialog caught mid-animation overlaps the page behind it.
  await page.screenshot({
    path: join(SCREENSHOTS, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
  });
}

let counter = 0;
export function uniqueEmail(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now()}-${counter}@example.com`;
}

export const PASSWORD = 'correct horse battery';

/** Fills the sign-up form already on the page and submits it. */
export async function submitSignUp(page: Page, name: string, email: string, password = PASSWORD) {
  await page.getByLabel(/^Name/).fill(name);
  await page.getByLabel(/^Email/).fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
}

/** Fills the sign-in form already on the page and submits it. */
export async function submitSignIn(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel(/^Email/).fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs up through the console's form and waits for the dashboard. */
export async function signUpInBrowser(page: Page, base: string, name: string, email: string) {
  await page.goto(`${base}/signup`);
  await submitSignUp(page, name, email);
  await page.getByTestId('account-switcher').waitFor();
}

/** Signs up in a fresh browser profile of its own and returns its page, on the dashboard. */
export async function signUpInNewPage(
  session: E2eSession,
  name: string,
  email: string,
): Promise<Page> {
  const page = await newPage(session.browser);
  await signUpInBrowser(page, session.gantry.url, name, email);
  return page;
}

/** The account id in the page's URL (`/accounts/<id>/...`), or '' when there is none. */
export function accountIdOf(page: Page): string {
  return /\/accounts\/([0-9a-f-]{36})/.exec(page.url())?.[1] ?? '';
}

/** Calls the API from the page, with its session cookie, as the console does. */
export async function apiCall(
  page: Page,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return page.evaluate(
    async ([method, path, body]) => {
      const response = await fetch(path as string, {
        method: method as string,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : {} };
    },
    [method, path, body] as const,
  );
}

/** Runs `fn` on the server's SQLite file (busy-safe while the server runs), then closes it. */
export function withDatabase<T>(gantry: RunningGantry, fn: (db: SQLite.Database) => T): T {
  const db = new SQLite(join(gantry.dataDir, 'gantry.db'));
  db.pragma('busy_timeout = 5000');
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/**
 * Makes an account a team and adds members (by email) with roles, straight in the server's
 * SQLite file: for tests of pages where team membership is another module's flow.
 */
export function makeTeamDirectly(
  gantry: RunningGantry,
  accountId: string,
  members: Array<[email: string, role: string]>,
  teamName?: string,
): void {
  withDatabase(gantry, (db) => {
    db.prepare("update accounts set kind = 'team' where id = ?").run(accountId);
    if (teamName !== undefined) {
      db.prepare('update accounts set name = ? where id = ?').run(teamName, accountId);
    }
    const addMember = db.prepare(
      'insert into memberships (account_id, user_id, role, created_at) select ?, id, ?, ? from users where email_normalized = ?',
    );
    for (const [email, role] of members) {
      const added = addMember.run(accountId, role, new Date().toISOString(), email.toLowerCase());
      if (added.changes !== 1) throw new Error(`no user with email ${email}`);
    }
  });
}

/**
 * Asserts that `inside` lies wholly within `frame` horizontally (e.g. a row's last button within
 * its table's card: nothing cut off, no sideways scrolling needed to reach it).
 */
export async function expectWithin(inside: Locator, frame: Locator): Promise<void> {
  const [a, b] = await Promise.all([inside.boundingBox(), frame.boundingBox()]);
  if (!a || !b) throw new Error('expectWithin: an element is not visible');
  if (a.x < b.x - 0.5 || a.x + a.width > b.x + b.width + 0.5) {
    throw new Error(
      `expectWithin: [${a.x}, ${a.x + a.width}] is not within [${b.x}, ${b.x + b.width}]`,
    );
  }
}

/** Asserts that every element `items` finds sits on one line (same top, within a pixel). */
export async function expectOneLine(items: Locator): Promise<void> {
  const boxes = await Promise.all((await items.all()).map((item) => item.boundingBox()));
  const tops = boxes.map((box) => Math.round(box?.y ?? -1));
  if (tops.length === 0 || new Set(tops).size !== 1) {
    throw new Error(`expectOneLine: tops ${tops.join(', ')}`);
  }
}
