// The docker web terminal against a real Docker Engine: a tiny image made here (`docker import`
// of a rootfs holding the host's /bin/sh and stty with their libraries), a container named as
// the docker driver names Pods, without a network; removed afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newToken } from '../../lib/secrets.js';
import { dockerClient, openDockerTerminal } from './docker-terminal.js';
import {
  dockerAvailable,
  importTinyImage,
  removeTestDocker,
  startPodContainer,
} from './docker-test-helpers.js';
import type { PodTerminal } from './driver.js';
import { waitFor } from './test-helpers.js';

const docker = dockerClient();
const suffix = newToken(6)
  .toLowerCase()
  .replace(/[^a-z0-9]/g, 'x');
const IMAGE = `gantry-test-terminal:${suffix}`;
const POD_ID = `term-${suffix}`;
const available = await dockerAvailable(docker);

describe.skipIf(!available)('docker terminal', () => {
  beforeAll(async () => {
    importTinyImage(IMAGE);
    await startPodContainer(docker, IMAGE, POD_ID);
  }, 60_000);

  afterAll(() => removeTestDocker(docker, IMAGE, [POD_ID]));

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
