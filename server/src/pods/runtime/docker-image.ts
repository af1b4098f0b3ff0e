/**
 * Images of the built-in templates, built on the engine from files of this machine — no
 * registry, nothing pulled: a root filesystem is assembled in a temporary directory (this
 * machine's Node binary with the shared libraries it loads, the template's files, a passwd with
 * the unprivileged `pod` user) and imported as an image (`docker import`, `POST /images/create
 * ?fromSrc=-`). The tag carries a hash of what went in, so a changed template builds anew.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type { LocalImageBuild } from './driver.js';

const run = promisify(execFile);

/** uid:gid the built-in images run as (`pod`, no capabilities, owns /workspace). */
export const POD_USER = '1000:1000';
const NODE_IN_IMAGE = '/usr/local/bin/node';

/** Shared libraries `binary` loads, as absolute paths (from `ldd`). */
async function sharedLibrariesOf(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  const libs = new Set<string>();
  for (const line of stdout.split('\n')) {
    const arrow = /=>\s+(\/\S+)/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(/.exec(line);
    const lib = arrow?.[1] ?? bare?.[1];
    if (lib) libs.add(lib);
  }
  return [...libs];
}

/** Path in the image → path on this machine, for everything the build copies in. */
async function filesOf(build: LocalImageBuild): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  if (build.node) {
    files.set(NODE_IN_IMAGE, process.execPath);
    for (const lib of await sharedLibrariesOf(process.execPath)) files.set(lib, lib);
  }
  for (const [inImage, onHost] of Object.entries(build.files)) files.set(inImage, onHost);
  return files;
}

/** The image tag for a built-in template: `gantry-builtin/<id>:<hash of its inputs>`. */
export async function builtinImageTag(templateId: string, build: LocalImageBuild): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`v2\0${POD_USER}\0`);
  const files = await filesOf(build);
  for (const inImage of [...files.keys()].sort()) {
    const onHost = files.get(inImage) ?? '';
    const stat = await fs.stat(onHost);
    hash.update(`${inImage}\0${stat.size}\0${stat.mtimeMs}\0`);
    // Small files (the template's own) by content: an edit within one mtime tick still counts.
    if (stat.size < 1024 * 1024) hash.update(await fs.readFile(onHost));
  }
  return `gantry-builtin/${templateId}:${hash.digest('hex').slice(0, 16)}`;
}

/** true when the engine has the image. */
export async function hasImage(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

async function assembleRootfs(dir: string, build: LocalImageBuild): Promise<void> {
  for (const [inImage, onHost] of await filesOf(build)) {
    const target = path.join(dir, inImage);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.copyFile(onHost, target);
    await fs.chmod(target, (await fs.stat(onHost)).mode & 0o755);
  }
  await fs.mkdir(path.join(dir, 'etc'), { recursive: true });
  await fs.writeFile(
    path.join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/nonexistent\npod:x:1000:1000:pod:/workspace:/nonexistent\n',
  );
  await fs.writeFile(path.join(dir, 'etc/group'), 'root:x:0:\npod:x:1000:\n');
  for (const sub of ['tmp', 'workspace', 'root', 'proc', 'sys', 'dev']) {
    await fs.mkdir(path.join(dir, sub), { recursive: true });
  }
  await fs.chmod(path.join(dir, 'tmp'), 0o1777);
  // The Pod user's own: a new /workspace volume takes this owner from the image.
  await fs.chown(path.join(dir, 'workspace'), 1000, 1000);
}

/**
 * Builds the image `tag` on the engine from `build` unless it is there. Concurrent calls for
 * one engine and tag share one build (see {@link DockerImages}).
 */
async function buildImage(docker: Docker, tag: string, build: LocalImageBuild): Promise<void> {
  if (await hasImage(docker, tag)) return;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gantry-image-'));
  try {
    await assembleRootfs(dir, build);
    const tar = spawn('tar', ['-C', dir, '-c', '--numeric-owner', '.'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tarError = '';
    tar.stderr.on('data', (chunk: Buffer) => {
      tarError += chunk.toString();
    });
    const [repo, version] = tag.split(':');
    const progress = await docker.importImage(tar.stdout, {
      repo,
      tag: version,
      changes: [
        `USER ${POD_USER}`,
        'WORKDIR /workspace',
        'ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/workspace',
      ],
    } as unknown as Parameters<Docker['importImage']>[1]);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(progress, (error: Error | null, output: unknown[]) => {
        if (error) return reject(error);
        const failed = output.find((o) => (o as { error?: string }).error);
        if (failed) return reject(new Error(String((failed as { error: string }).error)));
        resolve();
      });
    });
    const code = await new Promise<number | null>((resolve) => {
      if (tar.exitCode !== null) resolve(tar.exitCode);
      else tar.once('close', resolve);
    });
    if (code !== 0) throw new Error(`tar failed (${code}): ${tarError.trim()}`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Builds of built-in images in flight, by engine and tag: one build at a time per image. */
export class DockerImages {
  private readonly inFlight = new Map<string, Promise<void>>();

  /** Makes sure `tag` exists on the engine `engineKey` (`docker`), building it when missing. */
  ensure(engineKey: string, docker: Docker, tag: string, build: LocalImageBuild): Promise<void> {
    const key = `${engineKey}\0${tag}`;
    const current = this.inFlight.get(key);
    if (current) return current;
    const next = buildImage(docker, tag, build).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, next);
    return next;
  }
}
