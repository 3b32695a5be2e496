import { openReadOnlyDatabase, requireReadOnly, type SqliteDatabase } from './sqlite';

/**
 * Data access for the three registries. Every statement is a constant text prepared once, with `?` parameters
 * bound by SQLite (never string concatenation), on a read-only connection. These classes do not validate their
 * input: whatever string they are given is only ever compared as a value. The query classes validate first.
 */
export interface PersonRow {
  iin: string;
  lastName: string;
  firstName: string;
  patronymic: string | null;
  birthDate: string;
  sex: 'male' | 'female';
  citizenship: string;
  birthPlace: string;
  deathDate: string | null;
}

export interface AddressRow {
  region: string;
  city: string;
  street: string;
  building: string;
  apartment: string | null;
  registeredFrom: string;
  registeredTo: string | null;
}

export interface RelationRow {
  kind: 'spouse' | 'parent' | 'child';
  iin: string;
  since: string | null;
  lastName: string;
  firstName: string;
  patronymic: string | null;
  birthDate: string;
  deathDate: string | null;
}

export interface VehicleRow {
  vin: string;
  plate: string;
  make: string;
  model: string;
  year: number;
  colour: string;
  ownerIin: string;
  registeredOn: string;
  status: 'registered' | 'wanted' | 'impounded';
}

export interface LicenceRow {
  number: string;
  holderIin: string;
  categories: string;
  issuedOn: string;
  expiresOn: string;
  status: 'valid' | 'suspended' | 'revoked';
  statusReason: string | null;
}

export interface TaxpayerRow {
  iin: string;
  lastName: string;
  firstName: string;
  patronymic: string | null;
  status: 'registered' | 'deregistered';
  category: string;
  taxOffice: string;
  registeredOn: string;
}

export interface TaxDebtRow {
  kind: string;
  period: number;
  objectRef: string | null;
  principalTiyn: number;
  penaltyTiyn: number;
  dueDate: string;
}

const ADDRESS_COLUMNS = `region, city, street, building, apartment,
  registered_from AS registeredFrom, registered_to AS registeredTo`;

abstract class Repository {
  protected readonly db: SqliteDatabase;

  protected constructor(db: SqliteDatabase, name: string) {
    this.db = requireReadOnly(db, name);
  }

  /** True: the connection was opened read-only (SQLITE_OPEN_READONLY). */
  get readonly(): boolean {
    return this.db.readonly;
  }

  close(): void {
    this.db.close();
  }
}

/** mju/population: people, their registered addresses, and their family relations. */
export class PopulationRepository extends Repository {
  private readonly personStmt;
  private readonly lastAddressStmt;
  private readonly addressesStmt;
  private readonly relationsStmt;

  constructor(db: SqliteDatabase) {
    super(db, 'population');
    this.personStmt = this.db.prepare<[string], PersonRow>(
      `SELECT iin, last_name AS lastName, first_name AS firstName, patronymic, birth_date AS birthDate, sex,
        citizenship, birth_place AS birthPlace, death_date AS deathDate
       FROM person WHERE iin = ?`,
    );
    this.lastAddressStmt = this.db.prepare<[string], AddressRow>(
      `SELECT ${ADDRESS_COLUMNS} FROM address WHERE iin = ? ORDER BY registered_from DESC, id DESC LIMIT 1`,
    );
    this.addressesStmt = this.db.prepare<[string], AddressRow>(
      `SELECT ${ADDRESS_COLUMNS} FROM address WHERE iin = ? ORDER BY registered_from, id`,
    );
    this.relationsStmt = this.db.prepare<[string], RelationRow>(
      `SELECT r.kind, r.related_iin AS iin, r.since, p.last_name AS lastName, p.first_name AS firstName,
        p.patronymic, p.birth_date AS birthDate, p.death_date AS deathDate
       FROM relation r JOIN person p ON p.iin = r.related_iin
       WHERE r.iin = ?
       ORDER BY CASE r.kind WHEN 'spouse' THEN 0 WHEN 'parent' THEN 1 ELSE 2 END, p.birth_date, p.iin`,
    );
  }

  static open(file: string): PopulationRepository {
    return new PopulationRepository(openReadOnlyDatabase(file));
  }

  findPerson(iin: string): PersonRow | undefined {
    return this.personStmt.get(iin);
  }

  /** The latest registration: the current address, or the last one of a person who has died. */
  findLastAddress(iin: string): AddressRow | undefined {
    return this.lastAddressStmt.get(iin);
  }

  listAddresses(iin: string): AddressRow[] {
    return this.addressesStmt.all(iin);
  }

  listRelations(iin: string): RelationRow[] {
    return this.relationsStmt.all(iin);
  }
}

/** mia/vehicles: registered vehicles and driving licences. */
export class VehicleRepository extends Repository {
  private readonly byOwnerStmt;
  private readonly byPlateStmt;
  private readonly byVinStmt;
  private readonly licenceStmt;

  constructor(db: SqliteDatabase) {
    super(db, 'vehicles');
    const columns = `vin, plate, make, model, year, colour, owner_iin AS ownerIin, registered_on AS registeredOn, status`;
    this.byOwnerStmt = this.db.prepare<[string], VehicleRow>(
      `SELECT ${columns} FROM vehicle WHERE owner_iin = ? ORDER BY registered_on, vin`,
    );
    this.byPlateStmt = this.db.prepare<[string], VehicleRow>(`SELECT ${columns} FROM vehicle WHERE plate = ?`);
    this.byVinStmt = this.db.prepare<[string], VehicleRow>(`SELECT ${columns} FROM vehicle WHERE vin = ?`);
    this.licenceStmt = this.db.prepare<[string], LicenceRow>(
      `SELECT number, holder_iin AS holderIin, categories, issued_on AS issuedOn, expires_on AS expiresOn, status,
        status_reason AS statusReason
       FROM driving_licence WHERE holder_iin = ? ORDER BY issued_on DESC LIMIT 1`,
    );
  }

  static open(file: string): VehicleRepository {
    return new VehicleRepository(openReadOnlyDatabase(file));
  }

  listByOwner(iin: string): VehicleRow[] {
    return this.byOwnerStmt.all(iin);
  }

  findByPlate(plate: string): VehicleRow | undefined {
    return this.byPlateStmt.get(plate);
  }

  findByVin(vin: string): VehicleRow | undefined {
    return this.byVinStmt.get(vin);
  }

  /** The latest licence issued to this person. */
  findLicence(iin: string): LicenceRow | undefined {
    return this.licenceStmt.get(iin);
  }
}

/** src/tax: taxpayers and their outstanding debts. */
export class TaxRepository extends Repository {
  private readonly taxpayerStmt;
  private readonly debtsStmt;

  constructor(db: SqliteDatabase) {
    super(db, 'tax');
    this.taxpayerStmt = this.db.prepare<[string], TaxpayerRow>(
      `SELECT iin, last_name AS lastName, first_name AS firstName, patronymic, status, category,
        tax_office AS taxOffice, registered_on AS registeredOn
       FROM taxpayer WHERE iin = ?`,
    );
    this.debtsStmt = this.db.prepare<[string], TaxDebtRow>(
      `SELECT kind, period, object_ref AS objectRef, principal_tiyn AS principalTiyn, penalty_tiyn AS penaltyTiyn,
        due_date AS dueDate
       FROM tax_debt WHERE iin = ? ORDER BY period, kind, id`,
    );
  }

  static open(file: string): TaxRepository {
    return new TaxRepository(openReadOnlyDatabase(file));
  }

  findTaxpayer(iin: string): TaxpayerRow | undefined {
    return this.taxpayerStmt.get(iin);
  }

  listDebts(iin: string): TaxDebtRow[] {
    return this.debtsStmt.all(iin);
  }
}
