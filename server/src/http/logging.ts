import {
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import pino from 'pino';
import { type Logger, redactUrl } from '../lib/logger.js';

/**
 * One log line per request, when it completes: request id, method, redacted URL and client
 * address, status and time. Fastify's default also writes an "incoming request" line for every
 * request, which doubles the logging cost of each request and says nothing the completed line
 * does not.
 */
export class RequestLogController extends LogController {
  readonly #logger: Logger;
  readonly #stream: pino.DestinationStream;
  /** `,"pid":…,"hostname":"…"`: the bindings pino writes in every line. */
  readonly #bindings: string;
  readonly #level: number;

  constructor(logger: Logger) {
    super();
    this.#logger = logger;
    this.#stream = (logger as unknown as Record<symbol, pino.DestinationStream>)[
      pino.symbols.streamSym
    ] as pino.DestinationStream;
    this.#bindings = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
    this.#level = logger.levels.values.info as number;
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      reply.log.error(
        { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      );
      return;
    }
    if (!this.#logger.isLevelEnabled('info')) return;
    // The line pino would write for `info({ reqId, req, res, responseTime }, 'request completed')`
    // with the `req`/`res` serializers of createLogger, written straight to its destination:
    // through pino (serializers, then each part stringified) it cost a tenth of a simple
    // request's CPU. It holds nothing that could be secret, so there is nothing to redact.
    // The request id (ours: letters, digits, `_` and `-`) and the method (a token Node's parser
    // accepted) need no escaping; the URL and address are escaped as JSON.
    const ip = request.ip === undefined ? '' : `,"ip":${JSON.stringify(request.ip)}`;
    this.#stream.write(
      `{"level":${this.#level},"time":${Date.now()}${this.#bindings},"reqId":"${request.id}",` +
        `"req":{"method":"${request.method}","url":${JSON.stringify(redactUrl(request.url))}${ip}},` +
        `"res":{"statusCode":${reply.statusCode}},"responseTime":${millis(reply.elapsedTime)},"msg":"request completed"}\n`,
    );
  }
}

/**
 * Milliseconds to the microsecond, as a JSON number: `1.234`. Built from integers because
 * writing an arbitrary fraction (`1.2340123456`) takes V8's slow number-to-text path.
 */
export function millis(ms: number): string {
  const micros = Math.round(ms * 1000);
  const whole = Math.floor(micros / 1000);
  const fraction = micros - whole * 1000;
  return `${whole}.${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}`;
}

type LogArgs = [obj: unknown, msg?: string, ...args: unknown[]];

/**
 * A request's logger (`request.log`), made into a pino child only when something is logged
 * through it: pino builds a child's bindings when the child is made, which cost every request
 * a few microseconds while most requests never log through it (their one line is written by
 * {@link RequestLogController}).
 */
export class LazyRequestLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: pino.Bindings;
  readonly #options: pino.ChildLoggerOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(
    parent: FastifyBaseLogger,
    bindings: pino.Bindings,
    options: pino.ChildLoggerOptions,
  ) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  get #logger(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger.level = level;
  }

  fatal(...args: LogArgs): void {
    (this.#logger.fatal as (...a: LogArgs) => void)(...args);
  }
  error(...args: LogArgs): void {
    (this.#logger.error as (...a: LogArgs) => void)(...args);
  }
  warn(...args: LogArgs): void {
    (this.#logger.warn as (...a: LogArgs) => void)(...args);
  }
  info(...args: LogArgs): void {
    (this.#logger.info as (...a: LogArgs) => void)(...args);
  }
  debug(...args: LogArgs): void {
    (this.#logger.debug as (...a: LogArgs) => void)(...args);
  }
  trace(...args: LogArgs): void {
    (this.#logger.trace as (...a: LogArgs) => void)(...args);
  }
  silent(): void {}

  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: every request's logger is a {@link LazyRequestLogger}. */
export function lazyRequestLogger(
  logger: FastifyBaseLogger,
  bindings: pino.Bindings,
  options: pino.ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyRequestLogger(logger, bindings, options);
}
