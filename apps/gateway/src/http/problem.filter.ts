import type { TLSSocket } from 'node:tls';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HEADERS, KopirError, isKopirError, problemDetails } from '@kopir/contracts';
import { RELAYED, RelayService } from '../relay/relay.service';

/** A call to a service: `POST /r1/<agency>/<system>/<service>`. */
const SERVICE_CALL = /^\/r1\/([^/?]+\/[^/?]+\/[^/?]+)(\?|$)/;

/**
 * The one place where errors become HTTP answers: RFC 9457 problem+json with Köpir's stable `code`. Domain code throws
 * KopirErrors; framework errors (routing, body parsing, limits) are mapped to the nearest code; anything else is an
 * internal_error whose details go to the log only. A call to a service the HTTP layer refused before the relay ran
 * (body over the limit, not JSON) is audited here, so that every refused call is on the record with a receipt.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('gateway');

  constructor(@Inject(RelayService) private readonly relay: RelayService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const error = toProblemError(exception);
    if (error.code === 'internal_error') {
      this.logger.error(`${request.method} ${request.url}: ${describe(exception)}`);
    }
    const requestId = request.headers[HEADERS.requestId];
    const body = problemDetails(error, {
      instance: request.url.split('?')[0] ?? request.url,
      ...(typeof requestId === 'string' && requestId.length <= 128 ? { requestId } : {}),
    });
    const send = (receipt: string | undefined): void => {
      if (receipt !== undefined) void reply.header(HEADERS.auditReceipt, receipt);
      const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retryAfter !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
      void reply.status(body.status).header('content-type', 'application/problem+json').send(body);
    };
    const call = request.method === 'POST' ? SERVICE_CALL.exec(request.url) : null;
    if (call === null || RELAYED in error || error.code === 'audit_unavailable') {
      send((error as { auditReceipt?: string }).auditReceipt);
      return;
    }
    void this.relay
      .refusedBeforeRelay(
        {
          socket: request.raw.socket as TLSSocket,
          path: request.url.split('?')[0] ?? request.url,
          serviceId: call[1] ?? 'invalid',
          headers: request.headers,
        },
        error,
      )
      .then(send, () => send(undefined));
  }
}

/** Fastify's and Nest's own errors, mapped to stable codes so that callers never see a framework's wording. */
export function toProblemError(exception: unknown): KopirError {
  if (isKopirError(exception)) return exception;
  const status =
    exception instanceof HttpException
      ? exception.getStatus()
      : typeof (exception as { statusCode?: unknown })?.statusCode === 'number'
        ? (exception as { statusCode: number }).statusCode
        : 500;
  const fastifyCode = (exception as { code?: unknown })?.code;
  if (status === 413 || fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new KopirError('payload_too_large', 'The request body is larger than the gateway accepts');
  }
  if (status === 404) return new KopirError('not_found', 'No such resource');
  if (status === 415 || fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new KopirError('request_invalid', 'The request body must be application/json');
  }
  if (status >= 400 && status < 500) return new KopirError('request_invalid', 'The request is malformed');
  return new KopirError('internal_error', 'Internal error', { cause: exception });
}

function describe(exception: unknown): string {
  if (exception instanceof Error) {
    const cause = (exception as { cause?: unknown }).cause;
    return `${exception.stack ?? exception.message}${cause ? `\ncaused by: ${describe(cause)}` : ''}`;
  }
  return String(exception);
}
