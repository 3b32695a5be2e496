import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryService, type AdapterDefinition, type AdapterRequest } from '@kopir/adapter-sdk';
import {
  REFERENCE_SERVICES,
  referenceServiceDefinition,
  TaxQueries,
  TaxRepository,
  registryFiles,
  type TaxDebtsAnswer,
  type TaxpayerAnswer,
} from '@kopir/reference-registries';

/**
 * src/tax, the State Revenue Committee's taxpayer registry: the handlers only run the registry's queries (IIN
 * checksum checked before SQL; read-only, parameterised).
 */
@Injectable()
export class TaxHandlers implements OnApplicationShutdown {
  private readonly queries: TaxQueries;

  constructor(@Inject(TaxRepository) private readonly repository: TaxRepository) {
    this.queries = new TaxQueries(repository);
  }

  @RegistryService('taxpayer-status')
  taxpayer(request: AdapterRequest): TaxpayerAnswer {
    return this.queries.taxpayerStatus(request.body);
  }

  @RegistryService('tax-debts')
  debts(request: AdapterRequest): TaxDebtsAnswer {
    return this.queries.taxDebts(request.body);
  }

  onApplicationShutdown(): void {
    this.repository.close();
  }
}

const SERVICES = [REFERENCE_SERVICES['src/tax/taxpayer-status'], REFERENCE_SERVICES['src/tax/tax-debts']];

/** The adapter, reading the tax store of `dataDir` (REGISTRIES_DATA_DIR, seeded by `kopir data seed`). */
export function taxAdapter(options: { readonly dataDir: string }): AdapterDefinition {
  return {
    system: 'src/tax',
    handlers: [TaxHandlers],
    providers: [{ provide: TaxRepository, useFactory: () => TaxRepository.open(registryFiles(options.dataDir).tax) }],
    services: SERVICES.map(referenceServiceDefinition),
  };
}
