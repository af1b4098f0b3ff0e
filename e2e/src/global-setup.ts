import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Builds the console once before the browser tests (they test what `npm start` serves). */
export default function setup() {
  const root = join(import.meta.dirname, '../..');
  if (!existsSync('/usr/bin/chromium')) {
    throw new Error('Chromium is missing: apt-get install -y chromium');
  }
  execFileSync('npm', ['run', 'build', '--workspace', 'web'], { cwd: root, stdio: 'ignore' });
}
