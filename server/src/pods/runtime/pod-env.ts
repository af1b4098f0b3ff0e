/**
 * Environment handling for Pod workloads: a Pod sees only a small allowlist of
 * Gantry's environment, the variables Gantry sets, and the user's variables —
 * only those its template declares (a template's `env`). What a variable can do
 * inside the Pod is the template's business: the sandbox keeps it there.
 */

/** Variables copied from Gantry's environment into every Pod (when set). Everything else is withheld. */
export const INHERITED_ENV_KEYS: readonly string[] = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'SYSTEMROOT',
  'NODE_EXTRA_CA_CERTS',
];

/** Names set by the driver itself; users may not supply them. */
const RESERVED_NAMES = new Set([
  'POD_ID',
  'POD_NAME',
  'PORT',
  'HOST',
  'GPU_TYPE',
  'GPU_COUNT',
  'POD_EXIT_ON_STDIN_EOF',
]);
const RESERVED_PREFIXES = ['PORT_', 'GANTRY_'];

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** true for a well-formed variable name (letters, digits, `_`; not starting with a digit). */
export function isValidEnvName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** true for a name Gantry sets itself (`POD_ID`, `PORT`, `PORT_<n>`, `GANTRY_…`, …): nobody else may. */
export function isReservedEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  return RESERVED_NAMES.has(upper) || RESERVED_PREFIXES.some((p) => upper.startsWith(p));
}

/** The names in `env` that the template does not declare as settable, in the order given. */
export function undeclaredEnvNames(
  env: Record<string, string>,
  declared: readonly string[] | undefined,
): string[] {
  const allowed = new Set(declared ?? []);
  return Object.keys(env).filter((name) => !allowed.has(name) || isReservedEnvName(name));
}
/** Limits so a Pod's env cannot exhaust argv/env space (E2BIG) or memory. */
export const POD_ENV_LIMITS = {
  maxVars: 128,
  maxValueBytes: 32 * 1024,
  maxTotalBytes: 128 * 1024,
} as const;

/** Which names a driver sets itself, and how a refusal of one reads. */
export interface ReservedEnvRule {
  isReserved(name: string): boolean;
  problem: string;
}

/**
 * Check user-supplied Pod env vars. Returns a list of human-readable problems
 * (empty when valid). The API should call this when a Pod is created/updated;
 * drivers call it again before starting.
 */
export function validatePodEnv(
  env: Record<string, string>,
  reserved: ReservedEnvRule = { isReserved: isReservedEnvName, problem: 'is reserved' },
): string[] {
  const problems: string[] = [];
  const entries = Object.entries(env);
  if (entries.length > POD_ENV_LIMITS.maxVars)
    problems.push(`at most ${POD_ENV_LIMITS.maxVars} variables`);
  let total = 0;
  for (const [name, value] of entries) {
    if (!NAME_PATTERN.test(name)) {
      problems.push(`${JSON.stringify(name)} is not a valid variable name`);
      continue;
    }
    if (reserved.isReserved(name)) problems.push(`${name} ${reserved.problem}`);
    if (typeof value !== 'string') {
      problems.push(`${name} must be a string`);
      continue;
    }
    if (value.includes('\0')) problems.push(`${name} contains a NUL character`);
    const bytes = Buffer.byteLength(value);
    if (bytes > POD_ENV_LIMITS.maxValueBytes)
      problems.push(`${name} is longer than ${POD_ENV_LIMITS.maxValueBytes} bytes`);
    total += bytes + name.length;
  }
  if (total > POD_ENV_LIMITS.maxTotalBytes)
    problems.push(`variables exceed ${POD_ENV_LIMITS.maxTotalBytes} bytes in total`);
  return problems;
}

/** Values the driver sets for every Pod. */
export interface PodEnvContext {
  podId: string;
  podName: string;
  gpuType: string;
  gpuCount: number;
  host: string;
  /** container port → host port, in template order; the first one becomes `PORT`. */
  ports: ReadonlyArray<{ port: number; hostPort: number }>;
  /**
   * The Pod runs in the sandbox: `PATH`, `HOME` and `TMPDIR` are the sandbox's own
   * rather than Gantry's (whose paths mean nothing there).
   */
  sandboxed?: boolean;
}

/** `PATH`, `HOME` and `TMPDIR` inside the sandbox. */
const SANDBOX_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/workspace',
  TMPDIR: '/tmp',
};
const SANDBOX_WITHHELD = new Set(['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT', 'NODE_EXTRA_CA_CERTS']);

/**
 * Build the complete environment of a Pod process: allowlisted parent vars,
 * then the user's vars, then the driver's own vars (which always win).
 * Call {@link validatePodEnv} first; this function does not re-validate.
 */
export function buildPodEnv(
  userEnv: Record<string, string>,
  ctx: PodEnvContext,
  parentEnv: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV_KEYS) {
    const value = parentEnv[key];
    if (value !== undefined && !(ctx.sandboxed && SANDBOX_WITHHELD.has(key))) env[key] = value;
  }
  if (ctx.sandboxed) Object.assign(env, SANDBOX_ENV);
  Object.assign(env, userEnv);
  env.POD_ID = ctx.podId;
  env.POD_NAME = ctx.podName;
  env.GPU_TYPE = ctx.gpuType;
  env.GPU_COUNT = String(ctx.gpuCount);
  env.HOST = ctx.host;
  env.POD_EXIT_ON_STDIN_EOF = '1';
  const first = ctx.ports[0];
  if (first) env.PORT = String(first.hostPort);
  for (const { port, hostPort } of ctx.ports) env[`PORT_${port}`] = String(hostPort);
  return env;
}
