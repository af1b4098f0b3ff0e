/**
 * The web terminal: `GET /api/v1/accounts/:accountId/pods/:podId/terminal?cols=&rows=` as a
 * WebSocket (session cookie from Gantry's origin, or an API key), into a shell with a TTY in
 * the running Pod (`RuntimeDriver.openTerminal`; `pods.connect`). Binary frames carry bytes
 * each way; a text frame `{"type":"resize","cols":…,"rows":…}` resizes. Each session is
 * audited as `pod.terminal` at its start and end (bytes in and out, never the keystrokes) and
 * re-checked live like Connect's WebSockets.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Caller, Deps } from '../context.js';
import { AppError } from '../errors.js';
import {
  type ApiKeyAuthenticator,
  principalFromHeaders,
  readCookie,
} from '../http/authenticate.js';
import { SESSION_COOKIE, userAgentFrom } from '../http/request.js';
import { newRequestId } from '../lib/ids.js';
import type { ConnectRegistry } from './connect-registry.js';
import { endPodTerminal, startPodTerminal } from './pods.service.js';

const TERMINAL_PATH =
  /^\/api\/v1\/accounts\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/pods\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/terminal(?:\?(.*))?$/;
/** Largest frame a browser may send (keystrokes and pastes). */
const MAX_FRAME = 64 * 1024;
/** Close codes the console understands (4000–4999 are the application's). */
export const TERMINAL_CLOSE = { ended: 4000, accessLost: 4001 } as const;

/** The account and Pod of a terminal URL, or null when `url` is none. */
export function parseTerminalPath(
  url: string,
): { accountId: string; podId: string; cols: number; rows: number } | null {
  const match = TERMINAL_PATH.exec(url);
  if (!match) return null;
  const query = new URLSearchParams(match[3] ?? '');
  const size = (name: string, fallback: number, max: number) => {
    const raw = query.get(name);
    if (raw === null) return fallback;
    return /^[1-9][0-9]{0,3}$/.test(raw) && Number(raw) <= max ? Number(raw) : Number.NaN;
  };
  const cols = size('cols', 80, 1000);
  const rows = size('rows', 24, 500);
  if (Number.isNaN(cols) || Number.isNaN(rows)) return null;
  return { accountId: match[1] ?? '', podId: match[2] ?? '', cols, rows };
}

/** Answers upgrades of terminal URLs (the caller's `upgrade` handler passes them on). */
export class TerminalEndpoint {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });

  constructor(
    private readonly deps: Deps,
    private readonly authenticateApiKey: ApiKeyAuthenticator,
    private readonly registry: ConnectRegistry,
  ) {}

  /** Handles the upgrade if `req` is for a terminal; false when it is not one. */
  handles(req: IncomingMessage): boolean {
    return TERMINAL_PATH.test(req.url ?? '');
  }

  async upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    refuse: (error: AppError) => void,
  ): Promise<void> {
    const target = parseTerminalPath(req.url ?? '');
    if (!target) return refuse(new AppError('invalid_input', 'Invalid terminal size'));
    const auth = await principalFromHeaders(
      this.deps,
      req.headers,
      readCookie(req.headers.cookie, SESSION_COOKIE),
      true,
      this.authenticateApiKey,
    );
    if ('error' in auth) return refuse(auth.error);
    if (!auth.principal)
      return refuse(new AppError('unauthenticated', 'Sign in to open a terminal'));
    const caller: Caller = {
      ip: req.socket.remoteAddress ?? null,
      userAgent: userAgentFrom(req.headers),
      requestId: newRequestId(),
      principal: auth.principal,
    };
    let opened: Awaited<ReturnType<typeof startPodTerminal>>;
    try {
      opened = await startPodTerminal(this.deps, caller, target.accountId, target.podId, target);
    } catch (error) {
      if (error instanceof AppError) return refuse(error);
      throw error;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.run(ws, caller, opened));
  }

  private run(
    ws: WebSocket,
    caller: Caller,
    { record, terminal }: Awaited<ReturnType<typeof startPodTerminal>>,
  ): void {
    const started = Date.now();
    let bytesIn = 0;
    let bytesOut = 0;
    let reason = 'closed';
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      unregister();
      terminal.close();
      if (ws.readyState === ws.OPEN) ws.close(TERMINAL_CLOSE.ended, reason.slice(0, 100));
      void endPodTerminal(this.deps, caller, record, {
        bytesIn,
        bytesOut,
        durationMs: Date.now() - started,
        reason,
      }).catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'could not audit the end of a terminal'),
      );
    };
    const unregister = this.registry.add({
      accountId: record.accountId,
      podId: record.podId,
      caller,
      close: (why) => {
        reason = `access_lost:${why}`;
        if (ws.readyState === ws.OPEN) ws.close(TERMINAL_CLOSE.accessLost, why);
        end();
      },
    });
    terminal.stream.on('data', (chunk: Buffer) => {
      bytesOut += chunk.length;
      this.registry.touch(record.podId);
      if (ws.readyState === ws.OPEN) ws.send(chunk, { binary: true });
    });
    terminal.stream.once('close', () => {
      if (!ended) reason = 'shell_exited';
      end();
    });
    terminal.stream.once('end', () => {
      if (!ended) reason = 'shell_exited';
      end();
    });
    ws.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      this.registry.touch(record.podId);
      if (isBinary) {
        bytesIn += bytes.length;
        terminal.stream.write(bytes);
        return;
      }
      const resize = parseResize(bytes.toString('utf8'));
      if (resize) void terminal.resize(resize.cols, resize.rows).catch(() => undefined);
    });
    ws.on('close', () => end());
    ws.on('error', () => end());
  }

  /** Closes every terminal (the app is closing). */
  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}

function parseResize(text: string): { cols: number; rows: number } | null {
  try {
    const value = JSON.parse(text) as { type?: unknown; cols?: unknown; rows?: unknown };
    const { cols, rows } = value;
    if (
      value.type !== 'resize' ||
      typeof cols !== 'number' ||
      typeof rows !== 'number' ||
      !Number.isInteger(cols) ||
      !Number.isInteger(rows) ||
      cols < 1 ||
      rows < 1 ||
      cols > 1000 ||
      rows > 500
    ) {
      return null;
    }
    return { cols, rows };
  } catch {
    return null;
  }
}
