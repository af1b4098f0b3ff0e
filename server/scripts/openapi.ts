/**
 * Prints the OpenAPI document of the current server code, for the console's
 * generated client. Usage: tsx server/scripts/openapi.ts > web/src/api/openapi.json
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createGantry } from '../src/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'gantry-openapi-'));
const gantry = await createGantry(
  loadConfig({ GANTRY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', GANTRY_SECRET: 'x'.repeat(32) }),
  { database: openDatabase({ sqlitePath: ':memory:' }) },
);
await gantry.app.ready();
process.stdout.write(`${JSON.stringify(gantry.app.swagger(), null, 2)}\n`);
await gantry.close();
rmSync(dataDir, { recursive: true, force: true });
