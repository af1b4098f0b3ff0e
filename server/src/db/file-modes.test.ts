import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gantry-modes-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('SQLite data file modes', () => {
  it('creates the data folder 0700 and the database, WAL and SHM files 0600', async () => {
    const dataDir = join(root, 'data');
    const handle = openDatabase({ dataDir });
    await sql`create table t (x integer)`.execute(handle.db);
    await sql`insert into t values (1)`.execute(handle.db);
    expect(modeOf(dataDir)).toBe('700');
    for (const file of ['gantry.db', 'gantry.db-wal', 'gantry.db-shm']) {
      expect(modeOf(join(dataDir, file)), file).toBe('600');
    }
    expect(handle.looseModes).toBeUndefined();
    await handle.close();
  });

  it('tightens a looser data folder and database files at start', async () => {
    const dataDir = join(root, 'data');
    const first = openDatabase({ dataDir });
    await sql`create table t (x integer)`.execute(first.db);
    // A second connection keeps the WAL and SHM files from being removed at close.
    const second = openDatabase({ dataDir });
    await first.close();
    chmodSync(dataDir, 0o755);
    for (const file of ['gantry.db', 'gantry.db-wal', 'gantry.db-shm']) {
      expect(existsSync(join(dataDir, file)), file).toBe(true);
      chmodSync(join(dataDir, file), 0o644);
    }
    const third = openDatabase({ dataDir });
    expect(modeOf(dataDir)).toBe('700');
    for (const file of ['gantry.db', 'gantry.db-wal', 'gantry.db-shm']) {
      expect(modeOf(join(dataDir, file)), file).toBe('600');
    }
    expect(third.looseModes).toBeUndefined();
    await second.close();
    await third.close();
  });

  // Only root can run the service as another user here.
  it.runIf(process.getuid?.() === 0)(
    'names a looser mode it cannot fix (a file owned by someone else)',
    async () => {
      // Root owns the folder and the database; the service runs as `nobody` and may write both
      // (0777 / 0666) but not change their modes.
      const dataDir = join(root, 'shared');
      await openDatabase({ dataDir }).close();
      chmodSync(root, 0o755);
      chmodSync(dataDir, 0o777);
      chmodSync(join(dataDir, 'gantry.db'), 0o666);
      const script = `import('./src/db/database.ts').then(async (m) => {
      const h = m.openDatabase({ dataDir: ${JSON.stringify(dataDir)} });
      process.stdout.write(JSON.stringify(h.looseModes ?? []));
      await h.close();
    })`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: join(import.meta.dirname, '../..'),
        uid: 65534,
        gid: 65534,
        env: { ...process.env, HOME: root },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(child.stderr).toBe('');
      const loose = JSON.parse(child.stdout) as Array<{
        path: string;
        mode: string;
        wanted: string;
      }>;
      expect(loose.map((l) => [l.path, l.mode, l.wanted])).toEqual([
        [dataDir, '777', '700'],
        [join(dataDir, 'gantry.db'), '666', '600'],
      ]);
    },
  );
});
