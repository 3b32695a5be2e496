import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryService, type AdapterDefinition, type AdapterRequest } from '@kopir/adapter-sdk';
import {
  PopulationQueries,
  PopulationRepository,
  REFERENCE_SERVICES,
  referenceServiceDefinition,
  registryFiles,
  type AddressHistoryAnswer,
  type FamilyRelationsAnswer,
  type PersonAnswer,
} from '@kopir/reference-registries';

/**
 * mju/population, the Ministry of Justice's population registry: the handlers only run the registry's queries
 * (which check the IIN's checksum and use parameterised SQL on a read-only connection); the SDK does the rest.
 */
@Injectable()
export class PopulationHandlers implements OnApplicationShutdown {
  private readonly queries: PopulationQueries;

  constructor(@Inject(PopulationRepository) private readonly repository: PopulationRepository) {
    this.queries = new PopulationQueries(repository);
  }

  @RegistryService('person-by-iin')
  person(request: AdapterRequest): PersonAnswer {
    return this.queries.personByIin(request.body);
  }

  @RegistryService('address-history')
  addresses(request: AdapterRequest): AddressHistoryAnswer {
    return this.queries.addressHistory(request.body);
  }

  @RegistryService('family-relations')
  family(request: AdapterRequest): FamilyRelationsAnswer {
    return this.queries.familyRelations(request.body);
  }

  onApplicationShutdown(): void {
    this.repository.close();
  }
}

const SERVICES = [
  REFERENCE_SERVICES['mju/population/person-by-iin'],
  REFERENCE_SERVICES['mju/population/address-history'],
  REFERENCE_SERVICES['mju/population/family-relations'],
];

/** The adapter, reading the population store of `dataDir` (REGISTRIES_DATA_DIR, seeded by `kopir data seed`). */
export function populationAdapter(options: { readonly dataDir: string }): AdapterDefinition {
  return {
    system: 'mju/population',
    handlers: [PopulationHandlers],
    providers: [
      {
        provide: PopulationRepository,
        useFactory: () => PopulationRepository.open(registryFiles(options.dataDir).population),
      },
    ],
    services: SERVICES.map(referenceServiceDefinition),
  };
}
