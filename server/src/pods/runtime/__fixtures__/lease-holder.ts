// Takes the single-instance runtime lease on a database, prints "held" and waits to be killed.
// argv: <dataDir> [pgSchema]; env LEASE_DATABASE_URL: PostgreSQL (else SQLite in dataDir).
import { openDatabase } from '../../../db/database.js';
import { acquireRuntimeLease } from '../../runtime-lease.js';

const [dataDir = '', pgSchema = ''] = process.argv.slice(2);
const databaseUrl = process.env.LEASE_DATABASE_URL || undefined;
const database = openDatabase({
  databaseUrl,
  dataDir,
  ...(databaseUrl && pgSchema ? { pgSchema } : {}),
});
await acquireRuntimeLease(database);
process.stdout.write('held\n');
setInterval(() => {}, 1000);
