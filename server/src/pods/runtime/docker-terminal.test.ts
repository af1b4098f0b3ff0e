// The docker web terminal against a real Docker Engine: a tiny image made here (`docker import`
// of a rootfs holding the host's /bin/sh and stty with their libraries), a container named as
// the docker driver names Pods, without a network; removed afterwards.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newToken } from '../../lib/secrets.js';
import { dockerClient, openDockerTerminal, podContainerName } from './docker-terminal.js';
import type { PodTerminal } from './driver.js';
import { waitFor } from './test-helpers.js';

const docker = dockerClient();
const suffix = newToken(6)
  .toLowerCase()
  .replace(/[^a-z0-9]/g, 'x');
const IMAGE = `gantry-test-terminal:${suffix}`;
const POD_ID = `term-${suffix}`;

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

async function dockerAvailable(): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

const available = await dockerAvailable();

describe.skipIf(!available)('docker terminal', () => {
  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'gantry-rootfs-'));
    try {
      copyWithLibraries('/bin/sh', root);
      copyWithLibraries('/bin/stty', root);
      mkdirSync(join(root, 'tmp'));
      execFileSync('sh', ['-c', 'tar -C "$1" -c . | docker import - "$2"', 'sh', root, IMAGE], {
        stdio: 'ignore',
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    const container = await docker.createContainer({
      name: podContainerName(POD_ID),
      Image: IMAGE,
      // sh reads the open stdin forever: the container stays up until removed.
      Cmd: ['/bin/sh'],
      OpenStdin: true,
      Env: [`POD_ID=${POD_ID}`],
      Labels: { 'gantry.test': 'docker-terminal' },
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
  }, 60_000);

  afterAll(async () => {
    await docker
      .getContainer(podContainerName(POD_ID))
      .remove({ force: true })
      .catch(() => undefined);
    await docker
      .getImage(IMAGE)
      .remove({ force: true })
      .catch(() => undefined);
  });

  /** Everything the terminal has printed so far. */
  function outputOf(terminal: PodTerminal): () => string {
    let text = '';
    terminal.stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    return () => text;
  }

  it('runs a shell with a TTY in the Pod container: its environment, resizing, closing', async () => {
    const terminal = await openDockerTerminal(docker, POD_ID, { cols: 80, rows: 24 });
    const output = outputOf(terminal);
    terminal.stream.write('echo "pod=$POD_ID"\n');
    await waitFor(() => output().includes(`pod=${POD_ID}`), 10_000);
    terminal.stream.write('stty size\n');
    await waitFor(() => output().includes('24 80'), 10_000);
    await terminal.resize(132, 40);
    terminal.stream.write('stty size\n');
    await waitFor(() => output().includes('40 132'), 10_000);
    // A TTY: the shell's prompt and the echoed keystrokes come back too.
    expect(output()).toContain('echo "pod=$POD_ID"');
    const closed = new Promise<void>((resolve) => terminal.stream.once('close', () => resolve()));
    terminal.close();
    await closed;
    terminal.close();
  });

  it('refuses a Pod without a container and an invalid Pod id', async () => {
    await expect(
      openDockerTerminal(docker, `absent-${suffix}`, { cols: 80, rows: 24 }),
    ).rejects.toThrow();
    await expect(openDockerTerminal(docker, '../etc', { cols: 80, rows: 24 })).rejects.toThrow(
      /invalid pod id/,
    );
  });
});
