/**
 * The reference registries' services as the federation document and the adapters describe them: id, a short
 * description, the request body's JSON Schema (draft 2020-12) and the answer's top-level fields, which are the names
 * an access rule grants or masks.
 */
export interface ReferenceService {
  readonly id: string;
  readonly description: string;
  readonly requestSchema: Readonly<Record<string, unknown>>;
  readonly fields: readonly string[];
}

const IIN_SCHEMA = {
  type: 'string',
  pattern: '^[0-9]{12}$',
  description: '12-digit IIN; its check digit is verified by the registry',
} as const;

const BY_IIN = {
  type: 'object',
  required: ['iin'],
  properties: { iin: IIN_SCHEMA },
  additionalProperties: false,
} as const;

export const PERSON_FIELDS = [
  'iin',
  'lastName',
  'firstName',
  'patronymic',
  'birthDate',
  'sex',
  'citizenship',
  'birthPlace',
  'address',
  'deceased',
  'deathDate',
] as const;
export const ADDRESS_HISTORY_FIELDS = ['iin', 'addresses'] as const;
export const FAMILY_RELATIONS_FIELDS = ['iin', 'relations'] as const;
export const VEHICLES_BY_OWNER_FIELDS = ['ownerIin', 'vehicles'] as const;
export const VEHICLE_FIELDS = [
  'vin',
  'plate',
  'make',
  'model',
  'year',
  'colour',
  'ownerIin',
  'registeredOn',
  'status',
] as const;
export const DRIVING_LICENCE_FIELDS = [
  'iin',
  'licenceNumber',
  'categories',
  'issuedOn',
  'expiresOn',
  'status',
  'statusReason',
  'validToday',
] as const;
export const TAXPAYER_FIELDS = [
  'iin',
  'lastName',
  'firstName',
  'patronymic',
  'status',
  'category',
  'taxOffice',
  'registeredOn',
  'hasDebt',
  'totalDebt',
] as const;
export const TAX_DEBTS_FIELDS = ['iin', 'currency', 'totalDebt', 'debts'] as const;

export const REFERENCE_SERVICES = {
  'mju/population/person-by-iin': {
    id: 'mju/population/person-by-iin',
    description: 'A person by IIN: names, birth date and place, sex, citizenship, current address, death.',
    requestSchema: BY_IIN,
    fields: PERSON_FIELDS,
  },
  'mju/population/address-history': {
    id: 'mju/population/address-history',
    description: 'Every address a person has been registered at, oldest first (the current one has no end).',
    requestSchema: BY_IIN,
    fields: ADDRESS_HISTORY_FIELDS,
  },
  'mju/population/family-relations': {
    id: 'mju/population/family-relations',
    description: "A person's spouse, parents and children known to the population registry.",
    requestSchema: BY_IIN,
    fields: FAMILY_RELATIONS_FIELDS,
  },
  'mia/vehicles/vehicles-by-owner': {
    id: 'mia/vehicles/vehicles-by-owner',
    description: 'Vehicles registered to an owner IIN (an empty list when there are none).',
    requestSchema: BY_IIN,
    fields: VEHICLES_BY_OWNER_FIELDS,
  },
  'mia/vehicles/vehicle-by-plate': {
    id: 'mia/vehicles/vehicle-by-plate',
    description: 'One vehicle by its plate (123ABC02) or by its 17-character VIN.',
    requestSchema: {
      type: 'object',
      oneOf: [{ required: ['plate'] }, { required: ['vin'] }],
      properties: {
        plate: { type: 'string', minLength: 7, maxLength: 12 },
        vin: { type: 'string', pattern: '^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$' },
      },
      additionalProperties: false,
    },
    fields: VEHICLE_FIELDS,
  },
  'mia/vehicles/driving-licence-status': {
    id: 'mia/vehicles/driving-licence-status',
    description: "A person's latest driving licence: categories, dates, status, and whether it is valid today.",
    requestSchema: BY_IIN,
    fields: DRIVING_LICENCE_FIELDS,
  },
  'src/tax/taxpayer-status': {
    id: 'src/tax/taxpayer-status',
    description: 'Taxpayer registration (status, category, tax office) and whether any tax is owed.',
    requestSchema: BY_IIN,
    fields: TAXPAYER_FIELDS,
  },
  'src/tax/tax-debts': {
    id: 'src/tax/tax-debts',
    description: 'Outstanding tax debts by kind and year, with principal, penalties and due dates, in KZT.',
    requestSchema: BY_IIN,
    fields: TAX_DEBTS_FIELDS,
  },
} as const satisfies Record<string, ReferenceService>;

export type ReferenceServiceId = keyof typeof REFERENCE_SERVICES;

export function isReferenceServiceId(value: string): value is ReferenceServiceId {
  return Object.prototype.hasOwnProperty.call(REFERENCE_SERVICES, value);
}
