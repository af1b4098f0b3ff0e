// Lints the server's OpenAPI document as it is now (dumped by server/scripts/openapi.ts) with
// Redocly CLI (`recommended`, redocly.yaml) and Spectral (`spectral:oas`, .spectral.yaml).
// Fails on any error or warning: exceptions live in those two files, each with its reason.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const dir = mkdtempSync(join(tmpdir(), 'gantry-lint-api-'));
const file = join(dir, 'openapi.json');
let failed = false;
try {
  writeFileSync(
    file,
    execFileSync(bin('tsx'), [join(root, 'server/scripts/openapi.ts')], { encoding: 'utf8' }),
  );
  // Redocly exits 0 on warnings: count them from its JSON report, show them in its own words.
  const redocly = spawnSync(
    bin('redocly'),
    ['lint', file, '--config', join(root, 'redocly.yaml'), '--format', 'json'],
    {
      encoding: 'utf8',
      cwd: root,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  );
  const report = JSON.parse(redocly.stdout || '{}');
  const totals = report.totals ?? { errors: 1, warnings: 0 };
  if (redocly.status !== 0 || totals.errors > 0 || totals.warnings > 0) {
    failed = true;
    for (const problem of report.problems ?? []) {
      const where = problem.location?.[0]?.pointer ?? '';
      console.error(`redocly ${problem.severity} ${problem.ruleId}: ${problem.message} ${where}`);
    }
    if (!report.problems) console.error(redocly.stderr);
  }
  console.log(`redocly (recommended): ${totals.errors} errors, ${totals.warnings} warnings`);
  const spectral = spawnSync(
    bin('spectral'),
    ['lint', file, '--ruleset', join(root, '.spectral.yaml'), '--fail-severity', 'warn'],
    { encoding: 'utf8', cwd: root },
  );
  if (spectral.status !== 0) {
    failed = true;
    console.error(spectral.stdout, spectral.stderr);
  }
  console.log(
    `spectral (spectral:oas): ${spectral.status === 0 ? 'no problems' : 'problems above'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
