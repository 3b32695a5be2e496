import { KopirError } from '@kopir/contracts';
import { PopulationQueries, TaxQueries, VehicleQueries, type Today } from './queries';
import { isReferenceServiceId, type ReferenceServiceId } from './services';
import { PopulationRepository, TaxRepository, VehicleRepository } from './stores/repositories';
import { registryFiles } from './stores/seed';

/**
 * The three reference registries of a data directory, opened read-only, with one entry point per service id. An
 * adapter opens only its own registry (e.g. `PopulationRepository.open(file)`); this bundle is for the CLI, tests
 * and benchmarks, which use all three.
 */
export class ReferenceRegistries {
  readonly population: PopulationQueries;
  readonly vehicles: VehicleQueries;
  readonly tax: TaxQueries;
  private readonly repositories: readonly { close(): void }[];

  private constructor(
    population: PopulationRepository,
    vehicles: VehicleRepository,
    tax: TaxRepository,
    today?: Today,
  ) {
    this.population = new PopulationQueries(population);
    this.vehicles = new VehicleQueries(vehicles, today);
    this.tax = new TaxQueries(tax);
    this.repositories = [population, vehicles, tax];
  }

  static open(dir: string, options: { today?: Today } = {}): ReferenceRegistries {
    const files = registryFiles(dir);
    const opened: { close(): void }[] = [];
    try {
      const population = PopulationRepository.open(files.population);
      opened.push(population);
      const vehicles = VehicleRepository.open(files.vehicles);
      opened.push(vehicles);
      const tax = TaxRepository.open(files.tax);
      return new ReferenceRegistries(population, vehicles, tax, options.today);
    } catch (error) {
      for (const r of opened) r.close();
      throw new KopirError('provider_unavailable', `the reference registries in ${dir} cannot be opened`, {
        cause: error,
      });
    }
  }

  /** Runs the service `id` with a request body; throws KopirError service_unknown for another id. */
  query(id: string, requestBody: unknown): unknown {
    if (!isReferenceServiceId(id)) throw new KopirError('service_unknown', 'No such reference registry service');
    return this.run(id, requestBody);
  }

  private run(id: ReferenceServiceId, requestBody: unknown): unknown {
    switch (id) {
      case 'mju/population/person-by-iin':
        return this.population.personByIin(requestBody);
      case 'mju/population/address-history':
        return this.population.addressHistory(requestBody);
      case 'mju/population/family-relations':
        return this.population.familyRelations(requestBody);
      case 'mia/vehicles/vehicles-by-owner':
        return this.vehicles.vehiclesByOwner(requestBody);
      case 'mia/vehicles/vehicle-by-plate':
        return this.vehicles.vehicleByPlateOrVin(requestBody);
      case 'mia/vehicles/driving-licence-status':
        return this.vehicles.drivingLicenceStatus(requestBody);
      case 'src/tax/taxpayer-status':
        return this.tax.taxpayerStatus(requestBody);
      case 'src/tax/tax-debts':
        return this.tax.taxDebts(requestBody);
    }
  }

  close(): void {
    for (const r of this.repositories) r.close();
  }
}
