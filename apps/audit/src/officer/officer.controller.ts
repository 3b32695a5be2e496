import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HEADERS, KopirError, toKopirError } from '@kopir/contracts';
import { CallerResolver, type Caller } from './caller-resolver';
import { OfficerQueryService } from './officer-query.service';

type Params = Record<string, string | undefined>;

/**
 * The officer API (docs/officers.md). Handlers are one-liners: identify the caller from the mutual-TLS
 * certificate, then run the operation through OfficerQueryService, which authorises and audits it.
 */
@Controller('v1')
export class OfficerController {
  constructor(
    @Inject(CallerResolver) private readonly callers: CallerResolver,
    @Inject(OfficerQueryService) private readonly queries: OfficerQueryService,
  ) {}

  private caller(request: FastifyRequest): Caller | KopirError {
    try {
      return this.callers.resolve(request.raw.socket as TLSSocket);
    } catch (error) {
      return toKopirError(error);
    }
  }

  private purpose(request: FastifyRequest): string | undefined {
    const value = request.headers[HEADERS.purpose];
    return typeof value === 'string' && /^[a-z0-9-]{1,64}$/.test(value) ? value : undefined;
  }

  @Get('events')
  search(@Req() request: FastifyRequest, @Query() params: Params): unknown {
    const details = { subject: params.subject ?? null, purpose: this.purpose(request) };
    return this.queries.run(this.caller(request), 'search', details, () => this.queries.search(params));
  }

  @Get('events/:index')
  event(@Req() request: FastifyRequest, @Param('index') index: string): unknown {
    return this.queries.run(this.caller(request), 'event', { purpose: this.purpose(request) }, () =>
      this.queries.event(index),
    );
  }

  @Get('receipts/:eventId')
  receipt(@Req() request: FastifyRequest, @Param('eventId') eventId: string): unknown {
    return this.queries.run(this.caller(request), 'receipt', { purpose: this.purpose(request) }, () =>
      this.queries.receipt(eventId),
    );
  }

  @Get('checkpoints/latest')
  checkpoint(@Req() request: FastifyRequest): unknown {
    return this.queries.run(this.caller(request), 'checkpoint', {}, () => this.queries.checkpoint());
  }

  @Get('proofs/consistency')
  consistency(@Req() request: FastifyRequest, @Query() params: Params): unknown {
    return this.queries.run(this.caller(request), 'consistency', {}, () => this.queries.consistency(params));
  }

  @Get('export')
  export(@Req() request: FastifyRequest, @Query() params: Params, @Res() reply: FastifyReply): void {
    const lines = this.queries.run(this.caller(request), 'export', { purpose: this.purpose(request) }, () =>
      this.queries.exportLines(params),
    );
    void reply.type('application/x-ndjson').send(Readable.from(lines));
  }

  @Get('statistics')
  statistics(@Req() request: FastifyRequest, @Query() params: Params): unknown {
    return this.queries.run(this.caller(request), 'statistics', {}, () => this.queries.statistics(params));
  }

  @Get('subjects/:iin/accesses')
  subjectAccesses(@Req() request: FastifyRequest, @Param('iin') iin: string, @Query() params: Params): unknown {
    const details = { subject: iin, purpose: this.purpose(request) };
    return this.queries.run(this.caller(request), 'subject-accesses', details, () =>
      this.queries.subjectAccesses(iin, params),
    );
  }
}
