import { Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { CatalogService } from '../catalog/catalog.service';
import { RelayService } from './relay.service';

/** The consumer-facing routes; each is a one-liner over RelayService or CatalogService. */
@Controller('r1')
export class RelayController {
  constructor(
    @Inject(RelayService) private readonly relay: RelayService,
    @Inject(CatalogService) private readonly catalog: CatalogService,
  ) {}

  @Post(':agency/:system/:service')
  @HttpCode(200)
  async call(
    @Param('agency') agency: string,
    @Param('system') system: string,
    @Param('service') service: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const answer = await this.relay.relay({
      socket: request.raw.socket as TLSSocket,
      path: request.url.split('?')[0] ?? request.url,
      serviceId: `${agency}/${system}/${service}`,
      headers: request.headers,
      body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    });
    void reply.headers(answer.headers);
    return answer.body;
  }

  @Get('catalog')
  list(@Req() request: FastifyRequest): unknown {
    return { services: this.catalog.list(this.client(request)) };
  }

  @Get('catalog/:agency/:system/:service')
  openApi(
    @Param('agency') agency: string,
    @Param('system') system: string,
    @Param('service') service: string,
    @Req() request: FastifyRequest,
  ): unknown {
    return this.catalog.openApi(this.client(request), `${agency}/${system}/${service}`);
  }

  private client(request: FastifyRequest): string {
    return this.relay.caller(request.raw.socket as TLSSocket);
  }
}
