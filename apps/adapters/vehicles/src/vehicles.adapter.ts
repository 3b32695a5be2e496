import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { RegistryService, type AdapterDefinition, type AdapterRequest } from '@kopir/adapter-sdk';
import {
  REFERENCE_SERVICES,
  referenceServiceDefinition,
  VehicleQueries,
  VehicleRepository,
  registryFiles,
  type DrivingLicenceAnswer,
  type Today,
  type Vehicle,
  type VehiclesByOwnerAnswer,
} from '@kopir/reference-registries';

const TODAY = Symbol('TODAY');

/**
 * mia/vehicles, the Ministry of Internal Affairs' vehicle and driving-licence registry: the handlers only run the
 * registry's queries (IIN checksum, plate and VIN forms checked before SQL; read-only, parameterised).
 */
@Injectable()
export class VehicleHandlers implements OnApplicationShutdown {
  private readonly queries: VehicleQueries;

  constructor(
    @Inject(VehicleRepository) private readonly repository: VehicleRepository,
    @Inject(TODAY) today: Today | undefined,
  ) {
    this.queries = new VehicleQueries(repository, today);
  }

  @RegistryService('vehicles-by-owner')
  byOwner(request: AdapterRequest): VehiclesByOwnerAnswer {
    return this.queries.vehiclesByOwner(request.body);
  }

  @RegistryService('vehicle-by-plate')
  byPlate(request: AdapterRequest): Vehicle {
    return this.queries.vehicleByPlateOrVin(request.body);
  }

  @RegistryService('driving-licence-status')
  licence(request: AdapterRequest): DrivingLicenceAnswer {
    return this.queries.drivingLicenceStatus(request.body);
  }

  onApplicationShutdown(): void {
    this.repository.close();
  }
}

const SERVICES = [
  REFERENCE_SERVICES['mia/vehicles/vehicles-by-owner'],
  REFERENCE_SERVICES['mia/vehicles/vehicle-by-plate'],
  REFERENCE_SERVICES['mia/vehicles/driving-licence-status'],
];

/** The adapter, reading the vehicle store of `dataDir`; `today` fixes the date licences are judged on (tests). */
export function vehiclesAdapter(options: { readonly dataDir: string; readonly today?: Today }): AdapterDefinition {
  return {
    system: 'mia/vehicles',
    handlers: [VehicleHandlers],
    providers: [
      { provide: VehicleRepository, useFactory: () => VehicleRepository.open(registryFiles(options.dataDir).vehicles) },
      { provide: TODAY, useValue: options.today },
    ],
    services: SERVICES.map(referenceServiceDefinition),
  };
}
