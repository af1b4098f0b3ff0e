// Regenerates the console's typed API client from the server's OpenAPI document.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const json = execFileSync(bin('tsx'), [join(root, 'server/scripts/openapi.ts')], {
  encoding: 'utf8',
});
writeFileSync(join(root, 'web/src/api/openapi.json'), json);
execFileSync(
  join(root, 'web', 'node_modules', '.bin', 'openapi-typescript'),
  [join(root, 'web/src/api/openapi.json'), '-o', join(root, 'web/src/api/schema.d.ts')],
  { stdio: 'inherit' },
);
