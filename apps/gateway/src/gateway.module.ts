import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CatalogService } from './catalog/catalog.service';
import { ProblemFilter } from './http/problem.filter';
import { RelayController } from './relay/relay.controller';
import { RelayService } from './relay/relay.service';
import { TrustStore } from '@kopir/pki';

/** Wires the gateway's plain services (built in start-gateway.ts) into Nest; no logic lives here. */
@Module({})
export class GatewayModule {
  static forRoot(services: { relay: RelayService; catalog: CatalogService; trust: TrustStore }): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [RelayController],
      providers: [
        { provide: RelayService, useValue: services.relay },
        { provide: CatalogService, useValue: services.catalog },
        { provide: TrustStore, useValue: services.trust },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
