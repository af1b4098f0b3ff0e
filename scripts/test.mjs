// `npm test`: every suite — server (SQLite, and PostgreSQL when reachable), the console's unit
// tests and the browser tests — then one closing line `N passed, N failed` summing them all.
//
// TEST_DATABASE_URL  PostgreSQL for the shared suite (default: probe 127.0.0.1:5432/test)
// REQUIRE_POSTGRES=1 fail instead of skipping PostgreSQL when it is unreachable (CI)
// REQUIRE_BROWSER=1  fail instead of skipping the browser tests when Chromium is missing (CI)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vitest = join(root, 'node_modules', '.bin', 'vitest');
const out = mkdtempSync(join(tmpdir(), 'gantry-test-results-'));

async function reachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const env = { ...process.env };
const pgUrl = env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
if (await reachable(pgUrl)) {
  env.TEST_DATABASE_URL = pgUrl;
  console.log(`PostgreSQL: ${pgUrl.replace(/\/\/[^@]*@/, '//…@')}`);
} else if (env.REQUIRE_POSTGRES === '1') {
  console.error(`PostgreSQL is required but not reachable at ${pgUrl}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
} else {
  delete env.TEST_DATABASE_URL;
  console.warn('PostgreSQL not reachable: running the shared suite on SQLite only.');
}

const suites = [
  { name: 'server', dir: 'server' },
  { name: 'web', dir: 'web' },
];
const chromium = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(chromium)) suites.push({ name: 'browser', dir: 'e2e' });
else if (env.REQUIRE_BROWSER === '1') {
  console.error(`Chromium is required but missing at ${chromium} (apt-get install -y chromium)`);
  console.log('0 passed, 1 failed');
  process.exit(1);
} else
  console.warn('Chromium not found: skipping the browser tests (apt-get install -y chromium).');

let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of suites) {
  console.log(`\n=== ${suite.name} tests ===`);
  const file = join(out, `${suite.name}.json`);
  const run = spawnSync(
    vitest,
    ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${file}`],
    { cwd: join(root, suite.dir), env, stdio: 'inherit' },
  );
  if (!existsSync(file)) {
    console.error(`${suite.name}: the test runner produced no results (exit ${run.status})`);
    failed += 1;
    continue;
  }
  const result = JSON.parse(readFileSync(file, 'utf8'));
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests + (result.numTodoTests ?? 0);
  // A file that failed to load counts as a failure even with no failed test in it.
  if (run.status !== 0 && result.numFailedTests === 0) failed += 1;
}

console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
