import { KopirError } from '@kopir/contracts';
import { assertIin } from './iin';
import { isVinForm } from './vin';
import type {
  AddressRow,
  PopulationRepository,
  TaxRepository,
  VehicleRepository,
  VehicleRow,
} from './stores/repositories';

/**
 * The registries' services as plain functions over the read-only repositories. Each validates its input first
 * (a malformed or mistyped IIN, plate or VIN is `request_invalid`, and never reaches SQL), answers a plain object
 * whose top-level keys are the service's `fields` (what an access rule may mask), and reports an unknown subject as
 * `not_found`. Messages never repeat the caller's value: it may be citizen data.
 */
export interface Address {
  readonly region: string;
  readonly city: string;
  readonly street: string;
  readonly building: string;
  readonly apartment: string | null;
  readonly registeredFrom: string;
  readonly registeredTo: string | null;
}

export interface PersonAnswer {
  readonly iin: string;
  readonly lastName: string;
  readonly firstName: string;
  readonly patronymic: string | null;
  readonly birthDate: string;
  readonly sex: 'male' | 'female';
  readonly citizenship: string;
  readonly birthPlace: string;
  /** The current registered address (the last one for a person who has died). */
  readonly address: Address | null;
  readonly deceased: boolean;
  readonly deathDate: string | null;
}

export interface AddressHistoryAnswer {
  readonly iin: string;
  /** Oldest first; the current one has `registeredTo: null`. */
  readonly addresses: readonly Address[];
}

export interface Relative {
  readonly kind: 'spouse' | 'parent' | 'child';
  readonly iin: string;
  readonly lastName: string;
  readonly firstName: string;
  readonly patronymic: string | null;
  readonly birthDate: string;
  readonly deceased: boolean;
  /** Date of marriage for a spouse. */
  readonly since: string | null;
}

export interface FamilyRelationsAnswer {
  readonly iin: string;
  readonly relations: readonly Relative[];
}

export type Vehicle = Readonly<VehicleRow>;

export interface VehiclesByOwnerAnswer {
  readonly ownerIin: string;
  /** Empty when the person owns no vehicle (the vehicle registry does not know who exists). */
  readonly vehicles: readonly Vehicle[];
}

export interface DrivingLicenceAnswer {
  readonly iin: string;
  readonly licenceNumber: string;
  readonly categories: readonly string[];
  readonly issuedOn: string;
  readonly expiresOn: string;
  readonly status: 'valid' | 'suspended' | 'revoked';
  readonly statusReason: string | null;
  /** The licence may be used today: status valid and not past its expiry date. */
  readonly validToday: boolean;
}

export interface TaxpayerAnswer {
  readonly iin: string;
  readonly lastName: string;
  readonly firstName: string;
  readonly patronymic: string | null;
  readonly status: 'registered' | 'deregistered';
  readonly category: string;
  readonly taxOffice: string;
  readonly registeredOn: string;
  readonly hasDebt: boolean;
  /** Principal plus penalties, tenge with two decimals (e.g. "12500.40"). */
  readonly totalDebt: string;
}

export interface TaxDebt {
  readonly kind: string;
  readonly period: number;
  readonly objectRef: string | null;
  readonly principal: string;
  readonly penalty: string;
  readonly dueDate: string;
}

export interface TaxDebtsAnswer {
  readonly iin: string;
  readonly currency: 'KZT';
  readonly totalDebt: string;
  readonly debts: readonly TaxDebt[];
}

/** Today's date as `YYYY-MM-DD` (injectable so that tests and replays see a fixed day). */
export type Today = () => string;
const realToday: Today = () => new Date().toISOString().slice(0, 10);

function notFound(what: string): KopirError {
  return new KopirError('not_found', what);
}

function body(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new KopirError('request_invalid', 'the request body must be a JSON object');
  }
  return input as Record<string, unknown>;
}

function iinFrom(input: unknown): string {
  return assertIin(body(input).iin, 'iin');
}

function address(row: AddressRow): Address {
  return { ...row };
}

/** mju/population. */
export class PopulationQueries {
  constructor(private readonly repository: PopulationRepository) {}

  /** `{ iin }` → the person. */
  personByIin(input: unknown): PersonAnswer {
    const iin = iinFrom(input);
    const person = this.repository.findPerson(iin);
    if (!person) throw notFound('No person with this IIN in the population registry');
    const last = this.repository.findLastAddress(iin);
    return {
      ...person,
      address: last ? address(last) : null,
      deceased: person.deathDate !== null,
    };
  }

  /** `{ iin }` → every registered address, oldest first. */
  addressHistory(input: unknown): AddressHistoryAnswer {
    const iin = iinFrom(input);
    if (!this.repository.findPerson(iin)) throw notFound('No person with this IIN in the population registry');
    return { iin, addresses: this.repository.listAddresses(iin).map(address) };
  }

  /** `{ iin }` → spouse, parents and children known to the registry. */
  familyRelations(input: unknown): FamilyRelationsAnswer {
    const iin = iinFrom(input);
    if (!this.repository.findPerson(iin)) throw notFound('No person with this IIN in the population registry');
    const relations = this.repository.listRelations(iin).map((r): Relative => ({
      kind: r.kind,
      iin: r.iin,
      lastName: r.lastName,
      firstName: r.firstName,
      patronymic: r.patronymic,
      birthDate: r.birthDate,
      deceased: r.deathDate !== null,
      since: r.since,
    }));
    return { iin, relations };
  }
}

/** Kazakh plates since 2012: three digits, two or three letters, the region code (`123ABC02`, `123AB02`). */
const PLATE_RE = /^[0-9]{3}[A-Z]{2,3}[0-9]{2}$/;

/** mia/vehicles. */
export class VehicleQueries {
  constructor(
    private readonly repository: VehicleRepository,
    private readonly today: Today = realToday,
  ) {}

  /** `{ iin }` → the vehicles registered to that owner (possibly none). */
  vehiclesByOwner(input: unknown): VehiclesByOwnerAnswer {
    const iin = iinFrom(input);
    return { ownerIin: iin, vehicles: this.repository.listByOwner(iin) };
  }

  /**
   * `{ plate }` or `{ vin }` → one vehicle. Plates are compared in upper case without spaces (`123 abc 02`);
   * a VIN must have the ISO 3779 form (its check digit is not required: European VINs need not carry one).
   */
  vehicleByPlateOrVin(input: unknown): Vehicle {
    const { plate, vin } = body(input);
    if ((plate === undefined) === (vin === undefined)) {
      throw new KopirError('request_invalid', 'give exactly one of plate or vin');
    }
    if (plate !== undefined) {
      const normalised = typeof plate === 'string' ? plate.replace(/\s+/g, '').toUpperCase() : '';
      if (!PLATE_RE.test(normalised)) {
        throw new KopirError('request_invalid', 'plate must look like 123ABC02 (3 digits, 2-3 letters, region code)');
      }
      const vehicle = this.repository.findByPlate(normalised);
      if (!vehicle) throw notFound('No vehicle with this plate in the vehicle registry');
      return vehicle;
    }
    const normalised = typeof vin === 'string' ? vin.toUpperCase() : '';
    if (!isVinForm(normalised)) {
      throw new KopirError('request_invalid', 'vin must be 17 characters of 0-9 and A-Z without I, O and Q');
    }
    const vehicle = this.repository.findByVin(normalised);
    if (!vehicle) throw notFound('No vehicle with this VIN in the vehicle registry');
    return vehicle;
  }

  /** `{ iin }` → the person's latest driving licence and whether it may be used today. */
  drivingLicenceStatus(input: unknown): DrivingLicenceAnswer {
    const iin = iinFrom(input);
    const licence = this.repository.findLicence(iin);
    if (!licence) throw notFound('No driving licence issued to this IIN');
    return {
      iin,
      licenceNumber: licence.number,
      categories: licence.categories.split(','),
      issuedOn: licence.issuedOn,
      expiresOn: licence.expiresOn,
      status: licence.status,
      statusReason: licence.statusReason,
      validToday: licence.status === 'valid' && licence.expiresOn >= this.today(),
    };
  }
}

/** Tenge with two decimals from an integer number of tiyn. */
export function formatTenge(tiyn: number): string {
  const sign = tiyn < 0 ? '-' : '';
  const abs = Math.abs(tiyn);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** src/tax. */
export class TaxQueries {
  constructor(private readonly repository: TaxRepository) {}

  /** `{ iin }` → registration and whether the taxpayer owes anything. */
  taxpayerStatus(input: unknown): TaxpayerAnswer {
    const iin = iinFrom(input);
    const taxpayer = this.repository.findTaxpayer(iin);
    if (!taxpayer) throw notFound('No taxpayer with this IIN in the tax registry');
    const total = this.repository.listDebts(iin).reduce((sum, d) => sum + d.principalTiyn + d.penaltyTiyn, 0);
    return { ...taxpayer, hasDebt: total > 0, totalDebt: formatTenge(total) };
  }

  /** `{ iin }` → each outstanding debt, oldest period first. */
  taxDebts(input: unknown): TaxDebtsAnswer {
    const iin = iinFrom(input);
    if (!this.repository.findTaxpayer(iin)) throw notFound('No taxpayer with this IIN in the tax registry');
    const rows = this.repository.listDebts(iin);
    const total = rows.reduce((sum, d) => sum + d.principalTiyn + d.penaltyTiyn, 0);
    return {
      iin,
      currency: 'KZT',
      totalDebt: formatTenge(total),
      debts: rows.map((d) => ({
        kind: d.kind,
        period: d.period,
        objectRef: d.objectRef,
        principal: formatTenge(d.principalTiyn),
        penalty: formatTenge(d.penaltyTiyn),
        dueDate: d.dueDate,
      })),
    };
  }
}
