import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { EXIT } from './exit-codes.js';

/** Where a command reads and writes: the process, or a test's buffers. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});

/** A failure the command explains itself, with the exit code to leave with. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** An error answer of the Gantry API. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get exitCode(): number {
    return exitCodeOfStatus(this.status);
  }
}

/** Maps an HTTP error status to the command's exit code. */
export function exitCodeOfStatus(status: number): number {
  if (status === 401) return EXIT.auth;
  if (status === 403) return EXIT.forbidden;
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 410) return EXIT.conflict;
  if (status === 400) return EXIT.usage;
  return EXIT.failure;
}

export interface ClientConfig {
  url: string;
  apiKey: string;
}

/** `$GANTRY_CONFIG`, else `$XDG_CONFIG_HOME/gantry/config.json`, else `~/.config/gantry/config.json`. */
export function configPathOf(env: CliIo['env']): string {
  if (env.GANTRY_CONFIG) return env.GANTRY_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'gantry', 'config.json');
}

function readConfigFile(path: string): Partial<ClientConfig> {
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ClientConfig>;
    return { url: parsed.url, apiKey: parsed.apiKey };
  } catch {
    throw new CliError(EXIT.usage, `${path} is not valid JSON; run "gantry login" again`);
  }
}

/** Writes the config file readable by its owner only (0600, folder 0700). */
export function writeConfigFile(path: string, config: ClientConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function removeConfigFile(path: string): boolean {
  if (!existsSync(path)) return false;
  rmSync(path);
  return true;
}

/** Normalises a server URL: http(s), no trailing slash. */
export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(EXIT.usage, `"${raw}" is not a URL (e.g. https://gantry.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(EXIT.usage, `"${raw}" must be an http:// or https:// URL`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The server and key to use: GANTRY_URL / GANTRY_API_KEY, else the config file. */
export function resolveClientConfig(io: CliIo): ClientConfig {
  const file = readConfigFile(configPathOf(io.env));
  const url = io.env.GANTRY_URL || file.url;
  const apiKey = io.env.GANTRY_API_KEY || file.apiKey;
  if (!url || !apiKey) {
    throw new CliError(
      EXIT.usage,
      'No server configured: run "gantry login --url URL --key KEY" or set GANTRY_URL and GANTRY_API_KEY',
    );
  }
  return { url: normalizeUrl(url), apiKey };
}

type Query = Record<string, string | number | undefined>;

/** A small client for the Gantry API, authenticated by an API key. */
export class GantryClient {
  #accountId: string | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  #url(path: string, query: Query = {}): string {
    const url = new URL(`${this.baseUrl}/api/v1${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  /** Sends a request; answers the response when it is a success, throws ApiError otherwise. */
  async send(method: string, path: string, options: { query?: Query; body?: unknown } = {}) {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.apiKey}`,
      accept: 'application/json',
      'user-agent': 'gantry-cli',
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(this.#url(path, options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        EXIT.failure,
        `Cannot reach ${this.baseUrl}: ${cause?.code ?? cause?.message ?? String(error)}`,
      );
    }
    if (response.ok) return response;
    const text = await response.text();
    let code = `http_${response.status}`;
    let message = `The server answered ${response.status} ${response.statusText}`;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
      code = parsed.error?.code ?? code;
      message = parsed.error?.message ?? message;
    } catch {
      // Not a Gantry error body (a proxy's page, say): keep the status line.
    }
    throw new ApiError(response.status, code, message);
  }

  /** A JSON request; answers undefined for 204. */
  async json<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}) {
    const response = await this.send(method, path, options);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** The account the key belongs to (a key lists exactly one). */
  async accountId(): Promise<string> {
    if (this.#accountId) return this.#accountId;
    const page = await this.json<{ items: Array<{ id: string }> }>('GET', '/accounts');
    const first = page.items[0];
    if (!first) throw new CliError(EXIT.auth, 'This API key reaches no account');
    if (page.items.length > 1) {
      throw new CliError(EXIT.usage, 'These credentials reach several accounts; use an API key');
    }
    this.#accountId = first.id;
    return first.id;
  }

  /** The path of a resource of the key's account: `/accounts/:id{suffix}`. */
  async accountPath(suffix: string): Promise<string> {
    return `/accounts/${await this.accountId()}${suffix}`;
  }
}

/** A client from the environment or config file. */
export function clientFrom(io: CliIo): GantryClient {
  const { url, apiKey } = resolveClientConfig(io);
  return new GantryClient(url, apiKey);
}
