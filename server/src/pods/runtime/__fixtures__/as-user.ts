// Runs a probe Pod with a LocalDriver in this process (started as an unprivileged user by
// sandbox.test.ts), asks it what it can reach, prints one JSON line and stops.
// argv: <dataDir> <hostPort>
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalDriver } from '../local-driver.js';
import { podRequest } from '../test-helpers.js';

const [dataDir = '', hostPort = '0'] = process.argv.slice(2);
const secret = path.join(dataDir, 'secret');
await fs.writeFile(secret, 'user-mode-secret\n', { mode: 0o600 });
const driver = new LocalDriver({ dataDir, startTimeoutMs: 15_000, graceMs: 1000 });
const probe = fileURLToPath(new URL('./probe.mjs', import.meta.url));
const spec = {
  podId: 'user-mode-pod',
  name: 'user mode',
  template: { id: 'probe', command: [process.execPath, probe], ports: [8080] },
  env: {},
  gpuType: 'none',
  gpuCount: 0,
};
try {
  await driver.start(spec);
  const ask = async (what: string) =>
    JSON.parse((await podRequest(driver, spec.podId, 8080, what)).body) as unknown;
  const result = {
    uid: process.getuid?.(),
    isolation: driver.isolation,
    whoami: await ask('/whoami'),
    secret: await ask(`/read?path=${secret}`),
    host: await ask(`/connect?port=${hostPort}`),
    procs: ((await ask('/procs')) as { procs: unknown[] }).procs.length,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await driver.shutdown();
}
