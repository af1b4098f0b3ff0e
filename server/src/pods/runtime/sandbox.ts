/**
 * The local driver's sandbox: every Pod runs under bubblewrap (`bwrap`, Debian `bubblewrap`) in
 * its own PID, network (loopback only), IPC, UTS and mount namespaces, seeing only the system's
 * `/usr`, a few files of `/etc`, its template's files and its own work dir. Run as root, Gantry
 * starts bwrap as root and the Pod drops to a uid of its own (util-linux `setpriv`, every
 * capability gone); run as another user, bwrap makes a user namespace and the Pod keeps that
 * user's uid but sees none of its files. See docs/runtime-drivers.md.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the sandbox can run, decided once when the driver is made. */
export type SandboxSupport =
  | { available: true; mode: 'root' | 'user'; bwrap: string }
  | { available: false; reason: string };

/** The Debian location of bubblewrap. */
export const DEFAULT_BWRAP = '/usr/bin/bwrap';
const SETPRIV = '/usr/bin/setpriv';
const PRLIMIT = '/usr/bin/prlimit';
/**
 * Processes and threads a Pod may have at once (root mode: its uid is its own, so the kernel's
 * per-uid count is the Pod's): a fork bomb stops there instead of taking the host down.
 */
export const POD_MAX_PROCESSES = 4096;
/** First uid of the range Pods run as when Gantry is root (one uid per Pod, from its id). */
const POD_UID_BASE = 0x5000_0000;
const POD_UID_SPAN = 0x0100_0000;

/** The script that is PID 2 of every sandbox: runs the command, forwards ports, ends the tree. */
export const SANDBOX_INIT = fileURLToPath(new URL('./sandbox-init.mjs', import.meta.url));
/** Inside the sandbox: the Pod's work dir, and the directory of the forwarder's socket. */
export const SANDBOX_WORKDIR = '/workspace';
export const SANDBOX_RUNDIR = '/run/gantry';

/** Files of the host's /etc a program commonly needs (certificates, loader cache, time zone). */
const ETC_FILES = [
  'ssl',
  'ca-certificates',
  'ca-certificates.conf',
  'alternatives',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'nsswitch.conf',
  'hosts',
  'mime.types',
  'protocols',
  'services',
];
const ROOT_LINKS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The host uid a Pod runs as: its own when Gantry is root, else Gantry's. */
export function podUid(podId: string): number {
  if (!isRoot()) return process.getuid?.() ?? 0;
  const digest = createHash('sha256').update(podId).digest();
  return POD_UID_BASE + (digest.readUInt32BE(0) % POD_UID_SPAN);
}

/** The generated /etc/passwd and /etc/group of a Pod (no host accounts). */
export function sandboxAccounts(uid: number): { passwd: string; group: string } {
  return {
    passwd: `pod:x:${uid}:${uid}:Gantry Pod:${SANDBOX_WORKDIR}:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `pod:x:${uid}:\nnogroup:x:65534:\n`,
  };
}

/** What one Pod's sandbox is made of. */
export interface SandboxLayout {
  uid: number;
  /** Host directory mounted read-write at {@link SANDBOX_WORKDIR}. */
  workDir: string;
  /** Host directory mounted at {@link SANDBOX_RUNDIR} (the forwarder's socket appears there). */
  runDir: string;
  /** Host files mounted over /etc/passwd and /etc/group. */
  passwdFile: string;
  groupFile: string;
  /** Host paths that must never be visible, even when inside a mounted directory (the data dir). */
  hidden: readonly string[];
}

function under(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The host paths the command needs, read-only: each absolute argument's directory (or itself). */
function commandMounts(command: readonly string[]): string[] {
  const mounts = new Set<string>([SANDBOX_INIT]);
  if (!under(process.execPath, '/usr')) mounts.add(process.execPath);
  for (const arg of command) {
    if (!path.isAbsolute(arg) || under(arg, '/usr') || !existsSync(arg)) continue;
    const target = statSync(arg).isDirectory() ? arg : path.dirname(arg);
    if (target !== '/') mounts.add(target);
  }
  return [...mounts];
}

/** Arguments of bwrap for the system part of the sandbox (shared by the probe and Pods). */
function systemArgs(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const name of ROOT_LINKS) {
    const host = `/${name}`;
    const stat = lstatSync(host, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(host), host);
    else if (stat.isDirectory()) args.push('--ro-bind', host, host);
  }
  args.push('--dir', '/etc');
  for (const name of ETC_FILES) args.push('--ro-bind-try', `/etc/${name}`, `/etc/${name}`);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--dir', '/run');
  return args;
}

function namespaceArgs(mode: 'root' | 'user'): string[] {
  const args = [
    '--unshare-ipc',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--hostname',
    'pod',
    '--die-with-parent',
    '--new-session',
  ];
  if (mode === 'root') args.push('--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID');
  else args.push('--unshare-user', '--disable-userns');
  return args;
}

/**
 * argv prefix that caps the Pod's processes and drops from root to the Pod's uid with no
 * capabilities left (root mode).
 */
function dropArgs(mode: 'root' | 'user', uid: number): string[] {
  if (mode === 'user') return [];
  return [
    PRLIMIT,
    `--nproc=${POD_MAX_PROCESSES}`,
    '--',
    SETPRIV,
    `--reuid=${uid}`,
    `--regid=${uid}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--',
  ];
}

/** The full bwrap argv (after the program) that runs `command` in a Pod's sandbox. */
export function sandboxArgs(
  mode: 'root' | 'user',
  layout: SandboxLayout,
  command: readonly string[],
): string[] {
  const args = [...namespaceArgs(mode), ...systemArgs()];
  args.push('--ro-bind', layout.passwdFile, '/etc/passwd');
  args.push('--ro-bind', layout.groupFile, '/etc/group');
  const mounts = commandMounts(command);
  const made = new Set(['/', '/usr', '/etc', '/proc', '/dev', '/tmp', '/run']);
  for (const mount of mounts) {
    // bwrap would make missing parents 0700 (root's); the Pod must be able to pass through them.
    const parents: string[] = [];
    for (let dir = path.dirname(mount); !made.has(dir); dir = path.dirname(dir))
      parents.unshift(dir);
    for (const dir of parents) {
      args.push('--perms', '0755', '--dir', dir);
      made.add(dir);
    }
    args.push('--ro-bind', mount, mount);
  }
  for (const hidden of layout.hidden) {
    if (mounts.some((m) => under(hidden, m) && hidden !== m)) args.push('--tmpfs', hidden);
  }
  args.push('--bind', layout.runDir, SANDBOX_RUNDIR);
  args.push('--bind', layout.workDir, SANDBOX_WORKDIR, '--chdir', SANDBOX_WORKDIR);
  args.push('--', ...dropArgs(mode, layout.uid), process.execPath, SANDBOX_INIT, '--', ...command);
  return args;
}

/**
 * Finds out whether Pods can be sandboxed here: bwrap exists and a trial sandbox (the same
 * namespaces and mounts, running `node -e 0`) succeeds. Synchronous; runs once at start.
 */
export function detectSandbox(bwrap = DEFAULT_BWRAP): SandboxSupport {
  if (process.platform !== 'linux') return { available: false, reason: 'not Linux' };
  if (!existsSync(bwrap)) {
    return {
      available: false,
      reason: `bubblewrap is not installed (${bwrap} is missing; apt-get install bubblewrap)`,
    };
  }
  const mode = isRoot() ? 'root' : 'user';
  if (mode === 'root' && (!existsSync(SETPRIV) || !existsSync(PRLIMIT))) {
    return { available: false, reason: `${SETPRIV} or ${PRLIMIT} (util-linux) is missing` };
  }
  const uid = mode === 'root' ? POD_UID_BASE : (process.getuid?.() ?? 0);
  const args = [
    ...namespaceArgs(mode),
    ...systemArgs(),
    '--ro-bind',
    process.execPath,
    process.execPath,
    '--',
    ...dropArgs(mode, uid),
    process.execPath,
    '-e',
    'process.exit(process.getuid() === Number(process.argv[1]) ? 0 : 3)',
    String(uid),
  ];
  const probe = spawnSync(bwrap, args, { encoding: 'utf8', timeout: 10_000, stdio: 'pipe' });
  if (probe.error) return { available: false, reason: `bwrap failed: ${probe.error.message}` };
  if (probe.status !== 0) {
    const detail = (probe.stderr || '').trim().split('\n')[0] || `exit status ${probe.status}`;
    return {
      available: false,
      reason: `bwrap cannot create a sandbox here (${detail}); user namespaces may be disabled`,
    };
  }
  return { available: true, mode, bwrap };
}
