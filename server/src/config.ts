import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseMoney } from './lib/money.js';
import { newToken } from './lib/secrets.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  /** PostgreSQL URL; undefined means the embedded SQLite database in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** The origin users reach Gantry at, without a trailing slash. */
  publicUrl: string;
  /** True when GANTRY_PUBLIC_URL was given; otherwise the request's own Host is trusted as origin. */
  publicUrlExplicit: boolean;
  /** Instance secret for sealing and signing; undefined until {@link resolveSecret}. */
  secret: string | undefined;
  welcomeCreditMicro: number;
  /** ISO 4217 code of the one currency all money is in. */
  currency: string;
  catalogPath: string | undefined;
  logLevel: LogLevel;
  sessionIdleSeconds: number;
  sessionAbsoluteSeconds: number;
  maxRunningPodsPerAccount: number;
  maxPodsPerAccount: number;
  meterIntervalSeconds: number;
  maxSpendLimitMicro: number;
  /**
   * GANTRY_CONNECT_URL: the pattern of Pod origins, e.g. `https://{pod}-{port}.connect.example.com`
   * (no trailing slash); undefined: Pods are served sandboxed under `/pods/` on the console.
   */
  connectUrl: string | undefined;
  /** Operator's maximum audit retention in days (GANTRY_AUDIT_MAX_RETENTION_DAYS); undefined: none. */
  auditMaxRetentionDays: number | undefined;
  /** Operator's minimum audit retention in days (GANTRY_AUDIT_MIN_RETENTION_DAYS, default 90). */
  auditMinRetentionDays: number;
  /** Bearer token `/metrics` asks for (GANTRY_METRICS_TOKEN); undefined: `/metrics` is open. */
  metricsToken: string | undefined;
  /** Runtime driver (GANTRY_RUNTIME): `local` child processes (default) or `docker` containers on hosts. */
  runtime: 'local' | 'docker';
  /** How often the engines of GPU hosts are asked about their Pods (GANTRY_HOST_CHECK_SECONDS). */
  hostCheckSeconds: number;
  /** How long a host may not answer before its Pods become `error` (GANTRY_HOST_GRACE_SECONDS). */
  hostGraceSeconds: number;
  /** Sign-ups allowed from one IP per hour before growing delays (GANTRY_SIGNUPS_PER_IP_HOUR). */
  signupsPerIpPerHour: number;
  /**
   * Where mail is sent (GANTRY_SMTP_URL: smtp:// or smtps://, with credentials); undefined: no
   * mail is sent, the outbox is kept for the operator (`gantry mail list`).
   */
  smtpUrl: string | undefined;
  /** The From of every mail (GANTRY_MAIL_FROM). */
  mailFrom: string;
  /**
   * GANTRY_MANUAL_EMAIL_VERIFICATION=1: without mail, the operator verifies addresses by hand
   * (`gantry users verify-email`), so email-bound invites may be created.
   */
  manualEmailVerification: boolean;
}

/** Raised with every invalid setting named, so an operator fixes them in one go. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/**
 * Reads and validates the settings from environment variables.
 * Throws {@link ConfigError} naming every bad value.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };
  const money = (name: string, fallback: string): number => {
    const raw = env[name] ?? fallback;
    const value = parseMoney(raw);
    if (value === null || value < 0) {
      problems.push(`${name} must be a non-negative amount with at most 6 decimals (got "${raw}")`);
      return 0;
    }
    return value;
  };

  const flag = (name: string): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
    if (raw === '1' || raw === 'true') return true;
    problems.push(`${name} must be 1, true, 0 or false (got "${raw}")`);
    return false;
  };

  const port = int('PORT', 3000, 0, 65535);
  const host = env.HOST || '0.0.0.0';

  let databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(
      'DATABASE_URL must be a postgres:// or postgresql:// URL (leave it unset for SQLite)',
    );
    databaseUrl = undefined;
  }

  const dataDir = resolve(env.GANTRY_DATA_DIR || './data');

  let publicUrl = `http://localhost:${port}`;
  const publicUrlExplicit = Boolean(env.GANTRY_PUBLIC_URL);
  if (env.GANTRY_PUBLIC_URL) {
    try {
      const url = new URL(env.GANTRY_PUBLIC_URL);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
      publicUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    } catch {
      problems.push(`GANTRY_PUBLIC_URL must be an http(s) URL (got "${env.GANTRY_PUBLIC_URL}")`);
    }
  }

  const secret = env.GANTRY_SECRET || undefined;
  if (secret !== undefined && secret.length < 32) {
    problems.push('GANTRY_SECRET must be at least 32 characters (or unset to generate one)');
  }

  const metricsToken = env.GANTRY_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]{32,}$/.test(metricsToken)) {
    problems.push(
      'GANTRY_METRICS_TOKEN must be at least 32 printable characters without spaces (or unset to leave /metrics open)',
    );
  }

  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
  }

  const currency = (env.GANTRY_CURRENCY || 'USD').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) {
    problems.push(
      `GANTRY_CURRENCY must be a 3-letter ISO 4217 code (got "${env.GANTRY_CURRENCY}")`,
    );
  }

  const catalogPath = env.GANTRY_CATALOG ? resolve(env.GANTRY_CATALOG) : undefined;
  if (catalogPath && !existsSync(catalogPath)) {
    problems.push(`GANTRY_CATALOG names a file that does not exist: ${catalogPath}`);
  }

  const connectUrl = env.GANTRY_CONNECT_URL || undefined;
  const connectProblem = connectUrl ? connectUrlProblem(connectUrl, publicUrl) : null;
  if (connectProblem) problems.push(`GANTRY_CONNECT_URL ${connectProblem} (got "${connectUrl}")`);
  const runtime = (env.GANTRY_RUNTIME || 'local') as Config['runtime'];
  if (runtime !== 'local' && runtime !== 'docker') {
    problems.push(`GANTRY_RUNTIME must be local or docker (got "${env.GANTRY_RUNTIME}")`);
  }
  let smtpUrl = env.GANTRY_SMTP_URL || undefined;
  if (smtpUrl !== undefined) {
    // The URL may hold a password: it is never echoed.
    let protocol = '';
    try {
      const url = new URL(smtpUrl);
      protocol = url.hostname ? url.protocol : '';
    } catch {
      protocol = '';
    }
    if (protocol !== 'smtp:' && protocol !== 'smtps:') {
      problems.push(
        'GANTRY_SMTP_URL must be an smtp:// or smtps:// URL with a host, e.g. smtps://user:password@mail.example.com:465',
      );
      smtpUrl = undefined;
    }
  }
  let mailFrom = env.GANTRY_MAIL_FROM || `Gantry <gantry@${hostOf(publicUrl)}>`;
  if (!/^[^\r\n<>]*<?[^\s@<>]+@[^\s@<>]+>?$/.test(mailFrom)) {
    problems.push(
      `GANTRY_MAIL_FROM must be an address, optionally with a name: "Gantry <gantry@example.com>" (got "${env.GANTRY_MAIL_FROM}")`,
    );
    mailFrom = 'Gantry <gantry@localhost>';
  }

  const config: Config = {
    port,
    host,
    databaseUrl,
    dataDir,
    publicUrl,
    publicUrlExplicit,
    secret,
    welcomeCreditMicro: money('GANTRY_WELCOME_CREDIT', '25.00'),
    currency,
    catalogPath,
    logLevel,
    sessionIdleSeconds: int('GANTRY_SESSION_IDLE_HOURS', 24 * 7, 1, 24 * 365) * 3600,
    sessionAbsoluteSeconds: int('GANTRY_SESSION_MAX_HOURS', 24 * 30, 1, 24 * 365) * 3600,
    maxRunningPodsPerAccount: int('GANTRY_MAX_RUNNING_PODS', 10, 1, 10_000),
    maxPodsPerAccount: int('GANTRY_MAX_PODS', 50, 1, 100_000),
    meterIntervalSeconds: int('GANTRY_METER_INTERVAL_SECONDS', 60, 1, 3600),
    maxSpendLimitMicro: money('GANTRY_MAX_SPEND_LIMIT', '10000'),
    connectUrl: connectProblem ? undefined : connectUrl?.replace(/\/+$/, ''),
    auditMaxRetentionDays: env.GANTRY_AUDIT_MAX_RETENTION_DAYS
      ? int('GANTRY_AUDIT_MAX_RETENTION_DAYS', 0, 1, 365_000)
      : undefined,
    auditMinRetentionDays: int('GANTRY_AUDIT_MIN_RETENTION_DAYS', 90, 1, 365_000),
    metricsToken,
    runtime,
    hostCheckSeconds: int('GANTRY_HOST_CHECK_SECONDS', 15, 1, 3600),
    hostGraceSeconds: int('GANTRY_HOST_GRACE_SECONDS', 120, 1, 86_400),
    signupsPerIpPerHour: int('GANTRY_SIGNUPS_PER_IP_HOUR', 20, 1, 1_000_000),
    smtpUrl,
    mailFrom,
    manualEmailVerification: flag('GANTRY_MANUAL_EMAIL_VERIFICATION'),
  };
  if (
    config.auditMaxRetentionDays !== undefined &&
    config.auditMaxRetentionDays < config.auditMinRetentionDays
  ) {
    problems.push(
      `GANTRY_AUDIT_MAX_RETENTION_DAYS (${config.auditMaxRetentionDays}) must not be below GANTRY_AUDIT_MIN_RETENTION_DAYS (${config.auditMinRetentionDays}, default 90)`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The host name of a URL (`localhost` when it has none, for a default From address). */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname || 'localhost';
  } catch {
    return 'localhost';
  }
}

/**
 * What is wrong with a Connect URL pattern, or null: an http(s) origin whose host holds
 * `{pod}` and `{port}` once each, with no path, query or credentials, on another host than
 * the console's.
 */
export function connectUrlProblem(pattern: string, publicUrl: string): string | null {
  const count = (placeholder: string) => pattern.split(placeholder).length - 1;
  if (count('{pod}') !== 1 || count('{port}') !== 1) {
    return 'must contain {pod} and {port} once each';
  }
  let url: URL;
  try {
    url = new URL(pattern.replace('{pod}', 'pod').replace('{port}', '1'));
  } catch {
    return 'must be an http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') {
    return 'must be an origin only (no path, query or credentials)';
  }
  const host = pattern.slice(pattern.indexOf('//') + 2).split('/')[0] ?? '';
  if (!host.includes('{pod}') || !host.includes('{port}')) {
    return 'must have {pod} and {port} in its host name';
  }
  if (url.host === new URL(publicUrl).host) return "must not be the console's own host";
  return null;
}

/**
 * Returns the instance secret: GANTRY_SECRET when given, else the one kept in
 * `<dataDir>/secret`, generated (256 bits, file mode 0600) on first start.
 */
export function resolveSecret(config: Config): string {
  if (config.secret) return config.secret;
  const file = join(config.dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secret = newToken(32);
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
