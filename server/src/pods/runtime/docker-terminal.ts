/**
 * The docker driver's web terminal: an exec with a TTY into the Pod's container
 * (`gantry-pod-<podId>`), through dockerode on Docker Engine API v1.41. The shell is the
 * container's bash when it has one, else sh; it inherits the container's environment
 * (`POD_ID`, …). The docker driver exposes it as `RuntimeDriver.openTerminal`.
 */
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import { isValidPodId, type PodTerminal, RuntimeError } from './driver.js';

/** The Docker Engine API version Gantry speaks. */
export const DOCKER_API_VERSION = 'v1.41';

/** The container of a Pod (the docker driver's naming). */
export function podContainerName(podId: string): string {
  return `gantry-pod-${podId}`;
}

/** A dockerode client on the given socket (default: the local Engine), pinned to {@link DOCKER_API_VERSION}. */
export function dockerClient(socketPath = '/var/run/docker.sock'): Docker {
  return new Docker({ socketPath, version: DOCKER_API_VERSION });
}

const SHELL = [
  '/bin/sh',
  '-c',
  'if [ -x /bin/bash ]; then exec /bin/bash -i; else exec /bin/sh -i; fi',
];

function clampSize(n: number, max: number): number {
  return Math.max(1, Math.min(max, Math.floor(n)));
}

/**
 * Opens a shell with a TTY of `size` in Pod `podId`'s running container. Rejects with a
 * {@link RuntimeError} when the Pod id is not valid; a container that is gone or not running
 * rejects with dockerode's error.
 */
export async function openDockerTerminal(
  docker: Docker,
  podId: string,
  size: { cols: number; rows: number },
): Promise<PodTerminal> {
  if (!isValidPodId(podId)) throw new RuntimeError('invalid_spec', `invalid pod id: ${podId}`);
  const container = docker.getContainer(podContainerName(podId));
  const cols = clampSize(size.cols, 1000);
  const rows = clampSize(size.rows, 500);
  const exec = await container.exec({
    Cmd: SHELL,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    Env: ['TERM=xterm-256color'],
  });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
  stream.on('error', () => stream.destroy());
  // The TTY exists once started; size it then (Docker refuses to resize an exec not running).
  await exec.resize({ h: rows, w: cols }).catch(() => undefined);
  let closed = false;
  return {
    stream,
    async resize(c: number, r: number) {
      if (closed) return;
      await exec.resize({ h: clampSize(r, 500), w: clampSize(c, 1000) });
    },
    close() {
      if (closed) return;
      closed = true;
      // Ends the shell's stdin: an interactive shell exits at end of input; then the stream.
      stream.end();
      stream.destroy();
    },
  };
}

/** The `openTerminal` of a driver whose Pods are containers on `docker`. */
export function dockerTerminalOpener(docker: Docker) {
  return (podId: string, size: { cols: number; rows: number }) =>
    openDockerTerminal(docker, podId, size);
}
