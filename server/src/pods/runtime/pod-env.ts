/**
 * Environment handling for Pod workloads: a Pod sees only a small allowlist of
 * Gantry's environment plus its own variables, and user variables cannot
 * hijack the loader/interpreter of the template process.
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

/**
 * Names that let the value run code inside (or change the loading of) the
 * template's process — forbidden because with the local driver that process
 * runs as the Gantry user.
 */
const DENIED_NAMES = new Set([
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'PATH',
  'HOME',
  'BASH_ENV',
  'ENV',
  'SHELLOPTS',
  'PS4',
  'IFS',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONHOME',
  'PERL5OPT',
  'PERL5LIB',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'GIT_SSH_COMMAND',
]);
const DENIED_PREFIXES = ['LD_', 'DYLD_', 'NODE_', 'npm_'];

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** Limits so a Pod's env cannot exhaust argv/env space (E2BIG) or memory. */
export const POD_ENV_LIMITS = {
  maxVars: 128,
  maxValueBytes: 32 * 1024,
  maxTotalBytes: 128 * 1024,
} as const;

/**
 * Check user-supplied Pod env vars. Returns a list of human-readable problems
 * (empty when valid). The API should call this when a Pod is created/updated;
 * drivers call it again before starting.
 */
export function validatePodEnv(env: Record<string, string>): string[] {
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
    const upper = name.toUpperCase();
    if (RESERVED_NAMES.has(upper) || RESERVED_PREFIXES.some((p) => upper.startsWith(p))) {
      problems.push(`${name} is reserved`);
    } else if (
      DENIED_NAMES.has(upper) ||
      DENIED_PREFIXES.some((p) => upper.startsWith(p.toUpperCase()))
    ) {
      problems.push(`${name} is not allowed`);
    }
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
}

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
    if (value !== undefined) env[key] = value;
  }
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
