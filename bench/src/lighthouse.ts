/**
 * First load of the console, measured by Lighthouse (mobile, simulated throttling) in Debian's
 * Chromium: performance score and transferred bytes (JavaScript on its own) of the sign-in page,
 * the dashboard and Audit logs, signed in through the session cookie for the last two.
 *
 * Builds the console (`npm run build --workspace web`: Vite, then the brotli/gzip copies), starts
 * Gantry with it in a child process on 127.0.0.1 (a fresh SQLite database), signs a user up, and
 * runs Lighthouse BENCH_LIGHTHOUSE_RUNS times (default 3) per page, reporting the median run.
 * Every request goes to 127.0.0.1. Usage: npm run bench:lighthouse --workspace bench
 * (BENCH_SKIP_BUILD=1 reuses web/dist; BENCH_JSON=file writes the figures as JSON too).
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const WEB_DIST = join(ROOT, 'web', 'dist');
const CHROMIUM = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const RUNS = Math.max(1, Math.min(9, Number(process.env.BENCH_LIGHTHOUSE_RUNS ?? 3)));
/** One Lighthouse run may take long on a busy machine, but not forever. */
const RUN_TIMEOUT_MS = 180_000;

/** Targets of issue 18. */
const TARGETS = { signin: 120 * 1024, dashboard: 180 * 1024, performance: 90 };

interface Served {
  port: number;
  cookie: string;
  accountId: string;
}

interface PageFigures {
  page: string;
  url: string;
  performance: number;
  scriptBytes: number;
  totalBytes: number;
  scriptRequests: number;
  fcpMs: number;
  lcpMs: number;
  tbtMs: number;
  /** Console messages of the page (CSP violations show up here). */
  consoleErrors: string[];
}

/** The child process: Gantry with the built console, one user signed up; sends where it is. */
async function serve(): Promise<void> {
  const { loadConfig } = await import('../../server/src/config.js');
  const { openDatabase } = await import('../../server/src/db/database.js');
  const { createGantry } = await import('../../server/src/server.js');
  const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'gantry-lh-'));
  const gantry = await createGantry(
    loadConfig({
      GANTRY_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      GANTRY_SECRET: 'bench-secret-bench-secret-bench-secret!!',
    }),
    { database: openDatabase({ dataDir }), webDir: WEB_DIST },
  );
  const signup = await gantry.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: {
      email: `lighthouse-${Date.now()}@example.com`,
      password: 'bench password 1',
      name: 'Bench',
    },
  });
  if (signup.statusCode !== 201) throw new Error(`sign-up answered ${signup.statusCode}`);
  const cookie = signup.cookies.find((c) => c.name === 'gantry_session');
  const { account } = signup.json() as { account: { id: string } };
  await gantry.app.listen({ port: 0, host: '127.0.0.1' });
  const address = gantry.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.once('SIGTERM', () => {
    gantry.close().finally(() => process.exit(0));
  });
  process.send?.({ port, cookie: `gantry_session=${cookie?.value}`, accountId: account.id });
}

/** Starts the server child and waits for its address (at most 60 s). */
function startServer(): Promise<{ child: ChildProcess; served: Served }> {
  const child = fork(fileURLToPath(import.meta.url), ['serve'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start in 60 s')), 60_000);
    child.once('message', (served) => {
      clearTimeout(timer);
      resolve({ child, served: served as Served });
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
}

/** Runs Lighthouse once on `url` and reads the figures this benchmark reports. */
async function measure(
  port: number,
  page: string,
  url: string,
  cookie: string | null,
): Promise<PageFigures> {
  const run = lighthouse(url, {
    port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['performance', 'best-practices'],
    ...(cookie ? { extraHeaders: { Cookie: cookie } } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Lighthouse took over ${RUN_TIMEOUT_MS} ms`)),
      RUN_TIMEOUT_MS,
    );
  });
  const result = await Promise.race([run, timeout]).finally(() => clearTimeout(timer));
  if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
  const lhr = result.lhr;
  if (lhr.runtimeError) throw new Error(`${url}: ${lhr.runtimeError.message}`);
  const requests =
    (lhr.audits['network-requests']?.details as { items?: NetworkItem[] })?.items ?? [];
  const scripts = requests.filter((r) => r.resourceType === 'Script');
  const numeric = (id: string) => Math.round(lhr.audits[id]?.numericValue ?? Number.NaN);
  const consoleItems =
    (lhr.audits['errors-in-console']?.details as { items?: { description?: string }[] } | undefined)
      ?.items ?? [];
  return {
    page,
    url: new URL(url).pathname,
    performance: Math.round((lhr.categories.performance?.score ?? 0) * 100),
    scriptBytes: scripts.reduce((sum, r) => sum + (r.transferSize ?? 0), 0),
    totalBytes: requests.reduce((sum, r) => sum + (r.transferSize ?? 0), 0),
    scriptRequests: scripts.length,
    fcpMs: numeric('first-contentful-paint'),
    lcpMs: numeric('largest-contentful-paint'),
    tbtMs: numeric('total-blocking-time'),
    consoleErrors: consoleItems.map((item) => String(item.description ?? '')).filter(Boolean),
  };
}

interface NetworkItem {
  resourceType?: string;
  transferSize?: number;
}

/** The run with the median performance score. */
function median(runs: PageFigures[]): PageFigures {
  const sorted = [...runs].sort((a, b) => a.performance - b.performance);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (!middle) throw new Error('no runs');
  return middle;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  if (!process.env.BENCH_SKIP_BUILD) {
    console.log('building the console (npm run build --workspace web)…');
    execFileSync('npm', ['run', 'build', '--workspace', 'web'], { cwd: ROOT, stdio: 'ignore' });
  }
  const { child, served } = await startServer();
  const base = `http://127.0.0.1:${served.port}`;
  const userDataDir = mkdtempSync(join(tmpdir(), 'gantry-lh-chrome-'));
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    userDataDir,
    chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const pages: Array<[string, string, string | null]> = [
    ['sign-in', `${base}/signin`, null],
    ['dashboard', `${base}/accounts/${served.accountId}`, served.cookie],
    ['audit logs', `${base}/accounts/${served.accountId}/audit-logs`, served.cookie],
  ];
  const results: PageFigures[] = [];
  try {
    for (const [page, url, cookie] of pages) {
      const runs: PageFigures[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        const figures = await measure(chrome.port, page, url, cookie);
        console.log(
          `  ${page} run ${i + 1}/${RUNS}: performance ${figures.performance}, JS ${kb(figures.scriptBytes)}`,
        );
        runs.push(figures);
      }
      results.push(median(runs));
    }
  } finally {
    chrome.kill();
    child.kill('SIGTERM');
    rmSync(userDataDir, { recursive: true, force: true });
  }

  console.log(`\nLighthouse mobile (simulated), median of ${RUNS} runs, Chromium ${CHROMIUM}`);
  console.log(
    '| page | performance | first-load JS | requests (JS) | all bytes | FCP | LCP | TBT |',
  );
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of results) {
    console.log(
      `| ${r.page} (\`${r.url.replace(served.accountId, ':id')}\`) | ${r.performance} | ${kb(r.scriptBytes)} | ${r.scriptRequests} | ${kb(r.totalBytes)} | ${r.fcpMs} ms | ${r.lcpMs} ms | ${r.tbtMs} ms |`,
    );
  }
  const [signin, dashboard] = results;
  const verdicts = [
    `sign-in JS ≤ ${kb(TARGETS.signin)}: ${signin && signin.scriptBytes <= TARGETS.signin ? 'met' : 'NOT met'}`,
    `dashboard JS ≤ ${kb(TARGETS.dashboard)}: ${dashboard && dashboard.scriptBytes <= TARGETS.dashboard ? 'met' : 'NOT met'}`,
    `performance ≥ ${TARGETS.performance} on every page: ${results.every((r) => r.performance >= TARGETS.performance) ? 'met' : 'NOT met'}`,
  ];
  console.log(`\nTargets: ${verdicts.join('; ')}`);
  for (const r of results) {
    for (const error of r.consoleErrors) console.log(`console error on ${r.page}: ${error}`);
  }
  if (process.env.BENCH_JSON)
    writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2));
}

// Last, once every constant above is initialised.
if (process.argv[2] === 'serve') {
  await serve();
} else {
  await main();
}
