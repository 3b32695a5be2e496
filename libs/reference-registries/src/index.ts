/**
 * @kopir/reference-registries: the data, stores and queries of the three reference registries (mju/population,
 * mia/vehicles, src/tax): IIN validation, a seeded synthetic data generator, SQLite stores with bulk seeding and
 * read-only repositories, the services' queries, the service catalogue (descriptions, schemas, fields with their
 * sensitivity), and the development federation built from it (`kopir federation init`).
 */
export { assertIin, iinChecksum, iinProblem, isValidIin, makeIin, parseIin, type IinParts, type Sex } from './iin';
export { isValidVin, isVinForm, vinCheckDigit } from './vin';
export { Prng } from './generator/prng';
export { DATA_AS_OF, DEFAULT_SEED, formatAddress, generateDataset, type GenerateOptions } from './generator/generator';
export type {
  AddressRecord,
  LicenceRecord,
  LicenceStatus,
  PersonRecord,
  RelationKind,
  RelationRecord,
  SyntheticDataset,
  TaxDebtRecord,
  TaxKind,
  TaxpayerCategory,
  TaxpayerRecord,
  TaxpayerStatus,
  VehicleRecord,
  VehicleStatus,
} from './generator/records';
export { REGISTRY_FILES, openReadOnlyDatabase, type RegistryName, type SqliteDatabase } from './stores/sqlite';
export { DATA_VERSION } from './stores/schema';
export {
  readSeedInfo,
  registryFiles,
  seedRegistries,
  type SeedInfo,
  type SeedOptions,
  type SeedPhase,
  type SeedProgress,
  type SeedResult,
} from './stores/seed';
export { samplePeople, type SamplePerson } from './stores/sample';
export {
  PopulationRepository,
  TaxRepository,
  VehicleRepository,
  type AddressRow,
  type LicenceRow,
  type PersonRow,
  type RelationRow,
  type TaxDebtRow,
  type TaxpayerRow,
  type VehicleRow,
} from './stores/repositories';
export {
  PopulationQueries,
  TaxQueries,
  VehicleQueries,
  formatTenge,
  type Address,
  type AddressHistoryAnswer,
  type DrivingLicenceAnswer,
  type FamilyRelationsAnswer,
  type PersonAnswer,
  type Relative,
  type TaxDebt,
  type TaxDebtsAnswer,
  type TaxpayerAnswer,
  type Today,
  type Vehicle,
  type VehiclesByOwnerAnswer,
} from './queries';
export {
  ADDRESS_HISTORY_FIELDS,
  DRIVING_LICENCE_FIELDS,
  FAMILY_RELATIONS_FIELDS,
  PERSON_FIELDS,
  REFERENCE_SERVICES,
  TAXPAYER_FIELDS,
  TAX_DEBTS_FIELDS,
  VEHICLES_BY_OWNER_FIELDS,
  VEHICLE_FIELDS,
  isReferenceServiceId,
  referenceServiceDefinition,
  type ReferenceField,
  type ReferenceService,
  type ReferenceServiceId,
} from './services';
export { ReferenceRegistries } from './reference-registries';
export { DEVELOPMENT_DENIALS, DEVELOPMENT_SERVICES, developmentFederation } from './development-federation';
