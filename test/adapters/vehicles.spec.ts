/** mia/vehicles through the adapter SDK: the contract kit, then its queries as a consumer sees them. */
import { AdapterTestBed, adapterContractSuite } from '@kopir/adapter-sdk';
import {
  DATA_AS_OF,
  DRIVING_LICENCE_FIELDS,
  VEHICLES_BY_OWNER_FIELDS,
  VEHICLE_FIELDS,
} from '@kopir/reference-registries';
import { vehiclesAdapter } from '../../apps/adapters/vehicles/src/vehicles.adapter';
import { INJECTIONS, badChecksum, seededRegistries, unknownIin } from './registry-fixture';

const registries = seededRegistries();
afterAll(() => registries.remove());
const vehicle = registries.data.vehicles[0]!;
const licence = registries.data.licences[0]!;
const definition = (): ReturnType<typeof vehiclesAdapter> =>
  vehiclesAdapter({ dataDir: registries.dir, today: () => DATA_AS_OF });

adapterContractSuite({
  definition,
  samples: [
    { service: 'vehicles-by-owner', body: { iin: vehicle.ownerIin }, fields: VEHICLES_BY_OWNER_FIELDS },
    { service: 'vehicle-by-plate', body: { plate: vehicle.plate }, fields: VEHICLE_FIELDS },
    { service: 'driving-licence-status', body: { iin: licence.holderIin }, fields: DRIVING_LICENCE_FIELDS },
  ],
  invalidBodies: [
    { service: 'vehicles-by-owner', body: { iin: '1' } },
    { service: 'vehicle-by-plate', body: {} },
    { service: 'vehicle-by-plate', body: { plate: vehicle.plate, vin: vehicle.vin } },
    { service: 'vehicle-by-plate', body: { vin: 'IIIIIIIIIIIIIIIII' } },
    { service: 'driving-licence-status', body: { iin: null } },
  ],
});

describe('mia/vehicles queries through the SDK', () => {
  let bed: AdapterTestBed;
  beforeAll(async () => {
    bed = await AdapterTestBed.start(definition(), { services: definition().services ?? [] });
  });
  afterAll(() => bed.close());

  it('finds a vehicle by plate and by VIN, and masks each vehicle of an owner to the granted members', async () => {
    for (const body of [{ plate: vehicle.plate }, { vin: vehicle.vin }]) {
      const answer = await bed.call('vehicle-by-plate', body, { fields: ['plate', 'vin', 'make'] });
      expect(answer.body).toEqual({ plate: vehicle.plate, vin: vehicle.vin, make: vehicle.make });
    }
    const owned = await bed.call('vehicles-by-owner', { iin: vehicle.ownerIin }, { fields: ['vehicles.plate'] });
    expect(owned.status).toBe('ok');
    const vehicles = (owned.body as { vehicles: object[] }).vehicles;
    expect(vehicles).toContainEqual({ plate: vehicle.plate });
    for (const v of vehicles) expect(Object.keys(v)).toEqual(['plate']);
  });

  it('refuses an owner IIN with a wrong check digit, and answers not_found for unknown people and plates', async () => {
    expect((await bed.call('vehicles-by-owner', { iin: badChecksum(vehicle.ownerIin) })).status).toBe(
      'request_invalid',
    );
    expect((await bed.call('driving-licence-status', { iin: badChecksum(licence.holderIin) })).status).toBe(
      'request_invalid',
    );
    expect((await bed.call('driving-licence-status', { iin: unknownIin(registries.data) })).status).toBe('not_found');
    expect((await bed.call('vehicle-by-plate', { plate: '999ZZZ99' })).status).toBe('not_found');
  });

  it('refuses SQL injection attempts in the IIN, plate and VIN as request_invalid', async () => {
    for (const attempt of INJECTIONS) {
      expect((await bed.call('vehicles-by-owner', { iin: attempt })).status).toBe('request_invalid');
      expect((await bed.call('driving-licence-status', { iin: attempt })).status).toBe('request_invalid');
      expect((await bed.call('vehicle-by-plate', { plate: attempt })).status).toBe('request_invalid');
      expect((await bed.call('vehicle-by-plate', { vin: attempt })).status).toBe('request_invalid');
    }
    expect((await bed.call('vehicle-by-plate', { plate: vehicle.plate })).status).toBe('ok');
  });
});
