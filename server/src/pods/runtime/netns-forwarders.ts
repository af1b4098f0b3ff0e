/**
 * Reaching a container's ports inside its own network namespace, the way kubelet's
 * port-forward does: for each Pod a small forwarder (`netns-forwarder.mjs`) is started with
 * `nsenter --net=/proc/<containerPid>/ns/net` (util-linux) as an unprivileged user, listening
 * on a unix socket in a directory of this process's only. A stream to port P of the Pod is a
 * connection to that socket that names P. The Pod keeps `NetworkMode: none`: nothing of the
 * host's network is shared, no address is routed. Needs a local engine (its container pids are
 * this machine's) and root (entering another network namespace).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from './driver.js';
import type { RuntimeLogger } from './local-driver.js';

/** uid/gid the forwarders run as (nobody). */
const FORWARDER_ID = 65534;
const SCRIPT = fileURLToPath(new URL('./netns-forwarder.mjs', import.meta.url));
const READY_TIMEOUT_MS = 10_000;

interface Forwarder {
  pid: number;
  child: ChildProcess;
  socket: string;
  ready: Promise<void>;
}

/**
 * Reads the forwarder's answer, then hands over the stream with nothing consumed past it. Read
 * in paused mode ('readable'), so that once the listener is gone the stream flows for whoever
 * reads it next (a 'data' listener), and no byte of the Pod's is lost in between.
 */
function handshake(socket: net.Socket, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let failure = '';
    const done = (error?: Error) => {
      socket.off('readable', onReadable);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (!error) return resolve(socket);
      socket.destroy();
      reject(error);
    };
    const onReadable = () => {
      for (;;) {
        const byte = socket.read(1) as Buffer | null;
        if (byte === null) return;
        if (failure === '' && byte[0] === 1) return done();
        failure += byte.toString('latin1');
        if (failure.endsWith('\n') || failure.length > 64) {
          return done(connectError(port, failure.slice(1).trim() || 'bad answer'));
        }
      }
    };
    const onClose = () => done(connectError(port, 'closed'));
    const onError = (error: Error) => done(error);
    socket.on('readable', onReadable);
    socket.once('close', onClose);
    socket.once('error', onError);
    socket.write(`${port}\n`);
  });
}

function connectError(port: number, code: string): Error {
  return Object.assign(new Error(`the pod does not accept connections on port ${port} (${code})`), {
    code: code.startsWith('E') ? code : 'ECONNREFUSED',
  });
}

/** The forwarders of this Gantry process, one per Pod (and container process). */
export class NetnsForwarders {
  private dirPath: string | undefined;
  private readonly byPod = new Map<string, Forwarder>();

  constructor(private readonly logger?: RuntimeLogger) {}

  /** This process's directory of forwarder sockets (made on first use). */
  private get dir(): string {
    if (this.dirPath) return this.dirPath;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gantry-fwd-'));
    fs.chmodSync(dir, 0o711);
    // A copy the unprivileged forwarder can read whatever the permissions of Gantry's files.
    const script = path.join(dir, 'forwarder.mjs');
    fs.copyFileSync(SCRIPT, script);
    fs.chmodSync(script, 0o644);
    this.dirPath = dir;
    return dir;
  }

  /** One stream to `port` inside the network namespace of the process `pid` (the container's). */
  async connect(podId: string, pid: number, port: number): Promise<Duplex> {
    const forwarder = this.forwarderOf(podId, pid);
    await forwarder.ready;
    const socket = net.connect(forwarder.socket);
    socket.setNoDelay?.(true);
    return handshake(socket, port);
  }

  private forwarderOf(podId: string, pid: number): Forwarder {
    const current = this.byPod.get(podId);
    if (current && current.pid === pid && current.child.exitCode === null) return current;
    if (current) this.close(podId);
    const podDir = path.join(this.dir, `${podId}-${pid}`);
    fs.rmSync(podDir, { recursive: true, force: true });
    fs.mkdirSync(podDir, { mode: 0o700 });
    fs.chownSync(podDir, FORWARDER_ID, FORWARDER_ID);
    const socket = path.join(podDir, 's');
    const child = spawn(
      'nsenter',
      [
        `--net=/proc/${pid}/ns/net`,
        '-S',
        String(FORWARDER_ID),
        '-G',
        String(FORWARDER_ID),
        '--',
        process.execPath,
        '--max-old-space-size=32',
        path.join(this.dir, 'forwarder.mjs'),
        socket,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    child.stdin?.on('error', () => {});
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new RuntimeError('spawn_failed', 'the port forwarder did not start in time'));
      }, READY_TIMEOUT_MS);
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new RuntimeError('spawn_failed', `nsenter: ${error.message}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(
          new RuntimeError(
            'spawn_failed',
            `the port forwarder exited (${code}): ${stderr.trim() || 'no output'}`,
          ),
        );
      });
    });
    ready.catch(() => {});
    const forwarder: Forwarder = { pid, child, socket, ready };
    child.once('exit', () => {
      if (this.byPod.get(podId) === forwarder) this.byPod.delete(podId);
      fs.rm(podDir, { recursive: true, force: true }, () => {});
      this.logger?.info({ podId }, 'port forwarder exited');
    });
    this.byPod.set(podId, forwarder);
    return forwarder;
  }

  /** Ends the Pod's forwarder (its container stopped). */
  close(podId: string): void {
    const forwarder = this.byPod.get(podId);
    if (!forwarder) return;
    this.byPod.delete(podId);
    forwarder.child.stdin?.end();
    forwarder.child.kill('SIGTERM');
  }

  /** Ends every forwarder (Gantry is exiting). */
  closeAll(): void {
    for (const podId of [...this.byPod.keys()]) this.close(podId);
    if (this.dirPath) fs.rmSync(this.dirPath, { recursive: true, force: true });
    this.dirPath = undefined;
  }
}
