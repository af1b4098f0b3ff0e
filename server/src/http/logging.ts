import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from '../lib/logger.js';

/**
 * One log line per request, when it completes: request id, method, redacted URL and client
 * address (the `req` serializer), status and time. Fastify's default also writes an
 * "incoming request" line for every request, which doubles the logging cost of each
 * request and says nothing the completed line does not.
 */
export class RequestLogController extends LogController {
  /**
   * The completed line holds only what the `req`/`res` serializers keep — method, URL with
   * tokens redacted, address, status — so it skips the redaction pass (which copies and
   * walks every logged object, for secrets this line cannot hold): a third of its cost.
   */
  readonly #completed: Logger;

  constructor(logger: Logger) {
    super();
    this.#completed = logger.child({}, { redact: [] });
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
    this.#completed.info(
      { reqId: request.id, req: request, res: reply, responseTime: reply.elapsedTime },
      'request completed',
    );
  }
}
