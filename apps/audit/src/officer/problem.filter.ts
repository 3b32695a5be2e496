import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KopirError, isKopirError, problemDetails } from '@kopir/contracts';
import { AuditLogError } from '@kopir/audit-log';
import { fromAuditLogError } from './officer-query.service';

/** Errors become RFC 9457 problem+json with Köpir's stable `code`; unexpected ones are logged, never shown. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('audit');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const error = toKopir(exception);
    if (error.code === 'internal_error') this.logger.error(`${request.method} ${request.url}: ${describe(exception)}`);
    const body = problemDetails(error, { instance: request.url.split('?')[0] ?? request.url });
    const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    void reply.status(body.status).header('content-type', 'application/problem+json').send(body);
  }
}

function toKopir(exception: unknown): KopirError {
  if (isKopirError(exception)) return exception;
  if (exception instanceof AuditLogError) return fromAuditLogError(exception);
  const status = exception instanceof HttpException ? exception.getStatus() : 500;
  if (status === 404) return new KopirError('not_found', 'No such resource');
  if (status >= 400 && status < 500) return new KopirError('request_invalid', 'The request is malformed');
  return new KopirError('internal_error', 'Internal error', { cause: exception });
}

/** The exception and its causes, for the log. */
function describe(exception: unknown): string {
  if (!(exception instanceof Error)) return String(exception);
  const cause = (exception as { cause?: unknown }).cause;
  return `${exception.stack ?? exception.message}${cause === undefined ? '' : `\ncaused by: ${describe(cause)}`}`;
}
