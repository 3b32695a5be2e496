import type { Sex } from '../iin';

/**
 * The rows of the three reference registries, as the generator makes them and the stores hold them. Dates are ISO
 * `YYYY-MM-DD`; money is in tiyn (1/100 tenge) so that no float ever holds an amount.
 */
export interface PersonRecord {
  readonly iin: string;
  readonly lastName: string;
  readonly firstName: string;
  readonly patronymic: string | null;
  readonly birthDate: string;
  readonly sex: Sex;
  /** ISO 3166-1 alpha-2. */
  readonly citizenship: string;
  readonly birthPlace: string;
  readonly deathDate: string | null;
}

export interface AddressRecord {
  readonly iin: string;
  readonly region: string;
  readonly city: string;
  readonly street: string;
  readonly building: string;
  readonly apartment: string | null;
  readonly registeredFrom: string;
  /** null: the current registered address. */
  readonly registeredTo: string | null;
}

export type RelationKind = 'spouse' | 'parent' | 'child';

/** `relatedIin` is the `kind` of `iin`: { iin: child, relatedIin: mother, kind: 'parent' }. */
export interface RelationRecord {
  readonly iin: string;
  readonly relatedIin: string;
  readonly kind: RelationKind;
  /** Date of marriage for spouses; null for parent and child. */
  readonly since: string | null;
}

export type VehicleStatus = 'registered' | 'wanted' | 'impounded';

export interface VehicleRecord {
  readonly vin: string;
  readonly plate: string;
  readonly make: string;
  readonly model: string;
  readonly year: number;
  readonly colour: string;
  readonly ownerIin: string;
  readonly registeredOn: string;
  readonly status: VehicleStatus;
}

export type LicenceStatus = 'valid' | 'suspended' | 'revoked';

export interface LicenceRecord {
  readonly number: string;
  readonly holderIin: string;
  readonly categories: readonly string[];
  readonly issuedOn: string;
  readonly expiresOn: string;
  readonly status: LicenceStatus;
  readonly statusReason: string | null;
}

export type TaxpayerStatus = 'registered' | 'deregistered';
export type TaxpayerCategory = 'individual' | 'individual-entrepreneur' | 'self-employed';

export interface TaxpayerRecord {
  readonly iin: string;
  readonly lastName: string;
  readonly firstName: string;
  readonly patronymic: string | null;
  readonly status: TaxpayerStatus;
  readonly category: TaxpayerCategory;
  /** The state revenue office of the taxpayer's registered region. */
  readonly taxOffice: string;
  readonly registeredOn: string;
}

export type TaxKind = 'vehicle-tax' | 'property-tax' | 'personal-income-tax';

export interface TaxDebtRecord {
  readonly iin: string;
  readonly kind: TaxKind;
  /** The tax year. */
  readonly period: number;
  /** What the tax is on: the vehicle's plate for vehicle tax, the address for property tax; null for income tax. */
  readonly objectRef: string | null;
  readonly principalTiyn: number;
  readonly penaltyTiyn: number;
  readonly dueDate: string;
}

/** Everything the three registries hold, generated together so that they agree. */
export interface SyntheticDataset {
  readonly seed: number;
  /** The date the data describes ("today" for ages, current addresses and validity). */
  readonly asOf: string;
  readonly people: readonly PersonRecord[];
  readonly addresses: readonly AddressRecord[];
  readonly relations: readonly RelationRecord[];
  readonly vehicles: readonly VehicleRecord[];
  readonly licences: readonly LicenceRecord[];
  readonly taxpayers: readonly TaxpayerRecord[];
  readonly taxDebts: readonly TaxDebtRecord[];
}
