import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../config.js';
import { processIo } from './client.js';
import { EXIT } from './exit-codes.js';
import { createProgram, runProgram } from './output.js';
import { registerCommands } from './program.js';

const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

function configOrExit() {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`gantry: ${error.message}\n`);
      process.exit(EXIT.usage);
    }
    throw error;
  }
}

const io = processIo();
const program = createProgram(io);

program
  .command('serve')
  .description('Serve the console and API (settings from environment variables)')
  .action(async () => {
    const config = configOrExit();
    // Loaded here, not at the top: the user commands need none of the server.
    const { createGantry } = await import('../server.js');
    let gantry: Awaited<ReturnType<typeof createGantry>>;
    try {
      gantry = await createGantry(config, { webDir: WEB_DIST, startJobs: true });
    } catch (error) {
      // e.g. an invalid GANTRY_CATALOG file
      if (error instanceof ConfigError) {
        process.stderr.write(`gantry: ${error.message}\n`);
        process.exit(EXIT.usage);
      }
      throw error;
    }
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      gantry.deps.logger.info({ signal }, 'shutting down: stopping Pods');
      try {
        await gantry.close();
      } catch (error) {
        gantry.deps.logger.error({ err: error }, 'error while shutting down');
        process.exit(EXIT.failure);
      }
      process.exit(EXIT.ok);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    await gantry.app.listen({ port: config.port, host: config.host });
    gantry.deps.logger.info(
      { url: config.publicUrl, database: gantry.deps.dialect },
      `Gantry is serving on ${config.publicUrl}`,
    );
  });

program
  .command('migrate')
  .description('Apply pending database migrations and exit')
  .action(async () => {
    const config = configOrExit();
    const [{ openDatabase }, { migrateToLatest }] = await Promise.all([
      import('../db/database.js'),
      import('../db/migrate.js'),
    ]);
    const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await migrateToLatest(database);
      process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Up to date\n');
    } finally {
      await database.close();
    }
  });

// The server's commands above; the user (API key over HTTP) and operator commands here.
registerCommands(program, io);

// Exit codes: the one table in exit-codes.ts.
const code = await runProgram(program, process.argv.slice(2), io);
if (code !== EXIT.ok) process.exit(code);
