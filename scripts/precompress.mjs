// Writes a brotli (.br) and a gzip (.gz) copy beside every compressible file of a built folder
// (default web/dist), at the highest levels: the server sends them as they are
// (@fastify/static `preCompressed`), so a browser gets small files without compressing per
// request. A copy that is not smaller than its file is not written.
// Usage: node scripts/precompress.mjs [folder]
import { readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const COMPRESSIBLE = new Set([
  '.js',
  '.mjs',
  '.css',
  '.html',
  '.svg',
  '.json',
  '.txt',
  '.xml',
  '.map',
  '.webmanifest',
  '.ico',
]);
/** Below this size the headers outweigh what compression saves. */
const MIN_BYTES = 256;

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Every file under `folder`, recursively. */
async function listFiles(folder) {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

/** Compresses one file into its .br and .gz siblings; returns the sizes written. */
async function compressFile(file) {
  const data = await readFile(file);
  const [br, gzipped] = await Promise.all([
    brotli(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
    gz(data, { level: constants.Z_BEST_COMPRESSION }),
  ]);
  const written = { file, bytes: data.length, br: null, gzip: null };
  for (const [suffix, copy, key] of [
    ['.br', br, 'br'],
    ['.gz', gzipped, 'gzip'],
  ]) {
    if (copy.length >= data.length) {
      await unlink(file + suffix).catch(() => {});
      continue;
    }
    await writeFile(file + suffix, copy);
    written[key] = copy.length;
  }
  return written;
}

/** Precompresses every compressible file of `folder`; returns one record per file. */
export async function precompress(folder) {
  const files = [];
  for (const file of await listFiles(folder)) {
    if (!COMPRESSIBLE.has(extname(file))) continue;
    if ((await stat(file)).size < MIN_BYTES) continue;
    files.push(file);
  }
  const results = [];
  // Two at a time: brotli at quality 11 is CPU-bound, and the machines are small.
  for (let i = 0; i < files.length; i += 2) {
    results.push(...(await Promise.all(files.slice(i, i + 2).map(compressFile))));
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const folder = resolve(process.argv[2] ?? join(root, 'web', 'dist'));
  const results = await precompress(folder);
  const total = (key) => results.reduce((sum, r) => sum + (r[key] ?? r.bytes), 0);
  console.log(
    `precompressed ${results.length} files in ${folder}: ${total('bytes')} B → ` +
      `br ${total('br')} B, gzip ${total('gzip')} B`,
  );
}
