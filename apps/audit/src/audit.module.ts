import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CallerResolver } from './officer/caller-resolver';
import { OfficerController } from './officer/officer.controller';
import { OfficerQueryService } from './officer/officer-query.service';
import { ProblemFilter } from './officer/problem.filter';

/** Wires the officer API around objects built outside DI (start-audit.ts builds them from the configuration). */
@Module({})
export class AuditModule {
  static forRoot(deps: { callers: CallerResolver; queries: OfficerQueryService }): DynamicModule {
    return {
      module: AuditModule,
      controllers: [OfficerController],
      providers: [
        { provide: CallerResolver, useValue: deps.callers },
        { provide: OfficerQueryService, useValue: deps.queries },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
