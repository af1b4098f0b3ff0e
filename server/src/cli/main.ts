import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerBillingCommands } from '../billing/billing.cli.js';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createGantry } from '../server.js';

const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** Exit codes: 0 ok, 1 failure, 2 usage or configuration error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

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

const program = new Command('gantry')
  .description('Gantry: accounts, teams and access for a GPU cloud console')
  .showHelpAfterError();

program
  .command('serve')
  .description('Serve the console and API (settings from environment variables)')
  .action(async () => {
    const config = configOrExit();
    const gantry = await createGantry(config, { webDir: WEB_DIST, startJobs: true });
    const stop = async (signal: string) => {
      gantry.deps.logger.info({ signal }, 'shutting down');
      await gantry.close();
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
    const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await migrateToLatest(database);
      process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Up to date\n');
    } finally {
      await database.close();
    }
  });

registerBillingCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`gantry: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(EXIT.failure);
});
