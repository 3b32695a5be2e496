import { parseServiceId, requestTopic } from '@kopir/contracts';
import type { Sensitivity, ServiceDefinition } from '@kopir/federation';

/**
 * The reference registries' services, the one description of them that everything else is built from: the
 * adapters declare them (AdapterDefinition.services), the development federation lists them (`federation init`),
 * and test/federation checks that the queries' real answers match them. Each has its request body's and its full
 * answer's JSON Schema (draft-07, as the federation document holds them) and the answer's top-level fields with
 * their sensitivity, which are the names an access rule grants or masks.
 *
 * The answer schemas are exact: every value as the stores return it (types, formats, enums, nested objects with
 * every member required and nothing else allowed). The top level alone has no `required`: any top-level field may
 * be masked away by the rule, and the masked answer the consumer receives is valid against the same schema.
 */
export interface ReferenceField {
  readonly name: string;
  readonly sensitivity: Sensitivity;
  readonly description: string;
}

export interface ReferenceService {
  readonly id: string;
  readonly version: string;
  readonly description: string;
  readonly requestSchema: Readonly<Record<string, unknown>>;
  /** The full answer, before the field mask. */
  readonly responseSchema: Readonly<Record<string, unknown>>;
  readonly fields: readonly ReferenceField[];
  /** The request member naming whom the data is about (ServiceDefinition.subjectField), when the body names one. */
  readonly subjectField?: string;
}

type Schema = Record<string, unknown>;

const IIN = {
  type: 'string',
  pattern: '^[0-9]{12}$',
  description: '12-digit IIN; its check digit is verified by the registry',
} as const;
const DATE = { type: 'string', format: 'date' } as const;
const NULLABLE_DATE = { type: ['string', 'null'], format: 'date' } as const;
const NAME = { type: 'string', minLength: 1, maxLength: 100 } as const;
const NULLABLE_NAME = { type: ['string', 'null'], minLength: 1, maxLength: 100 } as const;
const TEXT = { type: 'string', minLength: 1, maxLength: 200 } as const;
/** Tenge with two decimals, as a string so that no float ever holds an amount (`12500.40`). */
const TENGE = { type: 'string', pattern: '^[0-9]+\\.[0-9]{2}$' } as const;
/** Kazakh plates since 2012: three digits, two or three letters, the two-digit region code (`123ABC02`). */
const PLATE = { type: 'string', pattern: '^[0-9]{3}[A-Z]{2,3}[0-9]{2}$' } as const;
/** ISO 3779: 17 characters, digits and capital letters without I, O and Q. */
const VIN = { type: 'string', pattern: '^[A-HJ-NPR-Z0-9]{17}$' } as const;

/** A nested object as the store returns it: every member present (null where the schema allows), nothing else. */
function record(properties: Record<string, unknown>): Schema {
  return { type: 'object', additionalProperties: false, required: Object.keys(properties), properties };
}

function nullable(schema: Schema): Schema {
  return { anyOf: [schema, { type: 'null' }] };
}

/** The full answer: its properties are exactly the service's fields (checked below, at load). */
function answer(fields: readonly ReferenceField[], properties: Record<string, unknown>): Schema {
  const names = fields.map((f) => f.name);
  const keys = Object.keys(properties);
  if (names.length !== keys.length || names.some((n, i) => n !== keys[i])) {
    throw new Error(`fields and answer properties disagree: ${names.join(',')} / ${keys.join(',')}`);
  }
  return { type: 'object', additionalProperties: false, properties };
}

const BY_IIN = {
  type: 'object',
  required: ['iin'],
  properties: { iin: IIN },
  additionalProperties: false,
} as const;

const ADDRESS = record({
  region: TEXT,
  city: TEXT,
  street: TEXT,
  building: { type: 'string', minLength: 1, maxLength: 20 },
  apartment: { type: ['string', 'null'], minLength: 1, maxLength: 20 },
  registeredFrom: DATE,
  registeredTo: { ...NULLABLE_DATE, description: 'null: the current registered address' },
});

const VEHICLE_PROPERTIES = {
  vin: VIN,
  plate: PLATE,
  make: TEXT,
  model: TEXT,
  year: { type: 'integer', minimum: 1900, maximum: 2100 },
  colour: TEXT,
  ownerIin: IIN,
  registeredOn: DATE,
  status: { enum: ['registered', 'wanted', 'impounded'] },
};

// --- fields --------------------------------------------------------------------------------------------------------

const f = (name: string, sensitivity: Sensitivity, description: string): ReferenceField => ({
  name,
  sensitivity,
  description,
});

const PERSON: readonly ReferenceField[] = [
  f('iin', 'personal', 'individual identification number'),
  f('lastName', 'personal', 'surname'),
  f('firstName', 'personal', 'given name'),
  f('patronymic', 'personal', 'patronymic; null when the person has none'),
  f('birthDate', 'personal', 'date of birth'),
  f('sex', 'personal', 'male or female, as registered'),
  f('citizenship', 'personal', 'ISO 3166-1 alpha-2 code'),
  f('birthPlace', 'personal', 'place of birth'),
  f('address', 'personal', 'current registered address (the last one for a person who has died)'),
  f('deceased', 'personal', 'whether a death is registered'),
  f('deathDate', 'personal', 'date of death, or null'),
];
const ADDRESS_HISTORY: readonly ReferenceField[] = [
  f('iin', 'personal', 'individual identification number'),
  f('addresses', 'personal', 'every registered address, oldest first'),
];
const FAMILY_RELATIONS: readonly ReferenceField[] = [
  f('iin', 'personal', 'individual identification number'),
  // Family life is a special category of personal data in civil status records.
  f('relations', 'sensitive', 'spouse, parents and children with their names, birth dates and deaths'),
];
const VEHICLES_BY_OWNER: readonly ReferenceField[] = [
  f('ownerIin', 'personal', 'the owner asked about'),
  f('vehicles', 'personal', 'vehicles registered to the owner, with their registration status'),
];
const VEHICLE: readonly ReferenceField[] = [
  f('vin', 'internal', 'vehicle identification number (ISO 3779)'),
  f('plate', 'public', 'registration plate, shown on the vehicle'),
  f('make', 'public', 'manufacturer'),
  f('model', 'public', 'model'),
  f('year', 'public', 'model year'),
  f('colour', 'public', 'colour'),
  f('ownerIin', 'personal', 'IIN of the registered owner'),
  f('registeredOn', 'internal', 'date of registration to the current owner'),
  // Whether the police seek or hold a vehicle is their operational information.
  f('status', 'internal', 'registered, wanted or impounded'),
];
const DRIVING_LICENCE: readonly ReferenceField[] = [
  f('iin', 'personal', 'individual identification number'),
  f('licenceNumber', 'personal', 'licence number'),
  f('categories', 'personal', 'vehicle categories the licence covers'),
  f('issuedOn', 'personal', 'date of issue'),
  f('expiresOn', 'personal', 'date of expiry'),
  f('status', 'personal', 'valid, suspended or revoked'),
  // The reason may reveal an offence or a medical condition.
  f('statusReason', 'sensitive', 'why the licence was suspended or revoked, or null'),
  f('validToday', 'personal', 'status valid and not past its expiry date'),
];
const TAXPAYER: readonly ReferenceField[] = [
  f('iin', 'personal', 'individual identification number'),
  f('lastName', 'personal', 'surname'),
  f('firstName', 'personal', 'given name'),
  f('patronymic', 'personal', 'patronymic, or null'),
  f('status', 'personal', 'registered or deregistered'),
  f('category', 'personal', 'individual, individual-entrepreneur or self-employed'),
  f('taxOffice', 'internal', 'code of the state revenue office'),
  f('registeredOn', 'personal', 'date of tax registration'),
  // Amounts owed are tax secrecy (Tax Code of the RK, art. 27).
  f('hasDebt', 'sensitive', 'whether any tax is owed'),
  f('totalDebt', 'sensitive', 'principal plus penalties owed, KZT'),
];
const TAX_DEBTS: readonly ReferenceField[] = [
  f('iin', 'personal', 'individual identification number'),
  f('currency', 'public', 'always KZT'),
  f('totalDebt', 'sensitive', 'principal plus penalties owed, KZT'),
  f('debts', 'sensitive', 'each outstanding debt: tax, year, object, principal, penalty, due date'),
];

const names = (fields: readonly ReferenceField[]): readonly string[] => fields.map((x) => x.name);

/** The answers' top-level field names, per service (what an access rule grants). */
export const PERSON_FIELDS = names(PERSON);
export const ADDRESS_HISTORY_FIELDS = names(ADDRESS_HISTORY);
export const FAMILY_RELATIONS_FIELDS = names(FAMILY_RELATIONS);
export const VEHICLES_BY_OWNER_FIELDS = names(VEHICLES_BY_OWNER);
export const VEHICLE_FIELDS = names(VEHICLE);
export const DRIVING_LICENCE_FIELDS = names(DRIVING_LICENCE);
export const TAXPAYER_FIELDS = names(TAXPAYER);
export const TAX_DEBTS_FIELDS = names(TAX_DEBTS);

function service(
  id: string,
  description: string,
  requestSchema: Schema,
  fields: readonly ReferenceField[],
  properties: Record<string, unknown>,
): ReferenceService {
  return {
    id,
    version: '1.0.0',
    description,
    requestSchema,
    responseSchema: answer(fields, properties),
    fields,
    // A service asked by IIN is about that person: Kopir-Subject must be that IIN.
    ...(requestSchema === BY_IIN ? { subjectField: 'iin' } : {}),
  };
}

export const REFERENCE_SERVICES = {
  'mju/population/person-by-iin': service(
    'mju/population/person-by-iin',
    'A person by IIN: names, birth date and place, sex, citizenship, current address, death.',
    BY_IIN,
    PERSON,
    {
      iin: IIN,
      lastName: NAME,
      firstName: NAME,
      patronymic: NULLABLE_NAME,
      birthDate: DATE,
      sex: { enum: ['male', 'female'] },
      citizenship: { type: 'string', pattern: '^[A-Z]{2}$' },
      birthPlace: TEXT,
      address: nullable(ADDRESS),
      deceased: { type: 'boolean' },
      deathDate: NULLABLE_DATE,
    },
  ),
  'mju/population/address-history': service(
    'mju/population/address-history',
    'Every address a person has been registered at, oldest first (the current one has no end).',
    BY_IIN,
    ADDRESS_HISTORY,
    { iin: IIN, addresses: { type: 'array', items: ADDRESS } },
  ),
  'mju/population/family-relations': service(
    'mju/population/family-relations',
    "A person's spouse, parents and children known to the population registry.",
    BY_IIN,
    FAMILY_RELATIONS,
    {
      iin: IIN,
      relations: {
        type: 'array',
        items: record({
          kind: { enum: ['spouse', 'parent', 'child'] },
          iin: IIN,
          lastName: NAME,
          firstName: NAME,
          patronymic: NULLABLE_NAME,
          birthDate: DATE,
          deceased: { type: 'boolean' },
          since: { ...NULLABLE_DATE, description: 'date of marriage for a spouse; null for parents and children' },
        }),
      },
    },
  ),
  'mia/vehicles/vehicles-by-owner': service(
    'mia/vehicles/vehicles-by-owner',
    'Vehicles registered to an owner IIN (an empty list when there are none).',
    BY_IIN,
    VEHICLES_BY_OWNER,
    { ownerIin: IIN, vehicles: { type: 'array', items: record(VEHICLE_PROPERTIES) } },
  ),
  'mia/vehicles/vehicle-by-plate': service(
    'mia/vehicles/vehicle-by-plate',
    'One vehicle by its plate (123ABC02) or by its 17-character VIN.',
    {
      type: 'object',
      oneOf: [{ required: ['plate'] }, { required: ['vin'] }],
      properties: {
        plate: { type: 'string', minLength: 7, maxLength: 12 },
        vin: { type: 'string', pattern: '^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$' },
      },
      additionalProperties: false,
    },
    VEHICLE,
    VEHICLE_PROPERTIES,
  ),
  'mia/vehicles/driving-licence-status': service(
    'mia/vehicles/driving-licence-status',
    "A person's latest driving licence: categories, dates, status, and whether it is valid today.",
    BY_IIN,
    DRIVING_LICENCE,
    {
      iin: IIN,
      licenceNumber: { type: 'string', pattern: '^[A-Z]{2}[0-9]{6}$' },
      categories: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        // Categories of the Law "On Road Traffic", art. 72.
        items: { enum: ['A', 'A1', 'B', 'B1', 'BE', 'C', 'C1', 'CE', 'C1E', 'D', 'D1', 'DE', 'D1E', 'Tb', 'Tm'] },
      },
      issuedOn: DATE,
      expiresOn: DATE,
      status: { enum: ['valid', 'suspended', 'revoked'] },
      statusReason: { type: ['string', 'null'], minLength: 1, maxLength: 200 },
      validToday: { type: 'boolean' },
    },
  ),
  'src/tax/taxpayer-status': service(
    'src/tax/taxpayer-status',
    'Taxpayer registration (status, category, tax office) and whether any tax is owed.',
    BY_IIN,
    TAXPAYER,
    {
      iin: IIN,
      lastName: NAME,
      firstName: NAME,
      patronymic: NULLABLE_NAME,
      status: { enum: ['registered', 'deregistered'] },
      category: { enum: ['individual', 'individual-entrepreneur', 'self-employed'] },
      taxOffice: { type: 'string', pattern: '^[0-9]{4}$' },
      registeredOn: DATE,
      hasDebt: { type: 'boolean' },
      totalDebt: TENGE,
    },
  ),
  'src/tax/tax-debts': service(
    'src/tax/tax-debts',
    'Outstanding tax debts by kind and year, with principal, penalties and due dates, in KZT.',
    BY_IIN,
    TAX_DEBTS,
    {
      iin: IIN,
      currency: { enum: ['KZT'] },
      totalDebt: TENGE,
      debts: {
        type: 'array',
        items: record({
          kind: { enum: ['vehicle-tax', 'property-tax', 'personal-income-tax'] },
          period: { type: 'integer', minimum: 1991, maximum: 2100, description: 'the tax year' },
          objectRef: { type: ['string', 'null'], minLength: 1, maxLength: 200 },
          principal: TENGE,
          penalty: TENGE,
          dueDate: DATE,
        }),
      },
    },
  ),
} as const satisfies Record<string, ReferenceService>;

export type ReferenceServiceId = keyof typeof REFERENCE_SERVICES;

export function isReferenceServiceId(value: string): value is ReferenceServiceId {
  return Object.prototype.hasOwnProperty.call(REFERENCE_SERVICES, value);
}

/**
 * The federation entry of a reference service (`services:` of the federation document), as its adapter declares
 * it and `federation init` writes it: the topic is the provider agency's request topic.
 */
export function referenceServiceDefinition(service: ReferenceService): ServiceDefinition {
  return {
    id: service.id,
    version: service.version,
    description: service.description,
    topic: requestTopic(parseServiceId(service.id).agency),
    request: structuredClone(service.requestSchema),
    response: structuredClone(service.responseSchema),
    fields: service.fields.map((field) => ({ ...field })),
    ...(service.subjectField === undefined ? {} : { subjectField: service.subjectField }),
  };
}
