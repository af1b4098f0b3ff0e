/** Test helpers for the docker terminal (not used by production code). */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { podContainerName } from './docker-terminal.js';

/** Copies `binary` and the libraries `ldd` names for it into `root`, at the same paths. */
function copyWithLibraries(binary: string, root: string): void {
  const files = [binary];
  for (const line of execFileSync('ldd', [binary], { encoding: 'utf8' }).split('\n')) {
    const path = /(\/\S+) \(0x/.exec(line)?.[1];
    if (path) files.push(path);
  }
  for (const file of files) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    copyFileSync(realpathSync(file), join(root, file));
  }
}

/** true when the Docker Engine answers. */
export async function dockerAvailable(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

/** Makes image `name` (`docker import`) of a rootfs with the host's /bin/sh and stty. */
export function importTinyImage(name: string): void {
  const root = mkdtempSync(join(tmpdir(), 'gantry-rootfs-'));
  try {
    copyWithLibraries('/bin/sh', root);
    copyWithLibraries('/bin/stty', root);
    mkdirSync(join(root, 'tmp'));
    execFileSync('sh', ['-c', 'tar -C "$1" -c . | docker import - "$2"', 'sh', root, name], {
      stdio: 'ignore',
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Starts a container for Pod `podId` as the docker driver names it, with no network. */
export async function startPodContainer(docker: Docker, image: string, podId: string) {
  const container = await docker.createContainer({
    name: podContainerName(podId),
    Image: image,
    // sh reads the open stdin forever: the container stays up until removed.
    Cmd: ['/bin/sh'],
    OpenStdin: true,
    Env: [`POD_ID=${podId}`],
    Labels: { 'gantry.test': 'docker-terminal' },
    HostConfig: { NetworkMode: 'none' },
  });
  await container.start();
  return container;
}

/** Removes the Pod's container and the image (what a test made). */
export async function removeTestDocker(docker: Docker, image: string, podIds: string[]) {
  for (const podId of podIds) {
    await docker
      .getContainer(podContainerName(podId))
      .remove({ force: true })
      .catch(() => undefined);
  }
  await docker
    .getImage(image)
    .remove({ force: true })
    .catch(() => undefined);
}
