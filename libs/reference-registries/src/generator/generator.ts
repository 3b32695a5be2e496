import { makeIin, type Sex } from '../iin';
import { VIN_ALPHABET, vinCheckDigit, vinYearCode } from '../vin';
import { addYears, fromDay, toDay, yearOf, yearsBetween } from './dates';
import {
  CAR_MODELS,
  COLOURS,
  FEMALE_NAMES,
  FOREIGN_CITIZENSHIPS,
  LICENCE_CATEGORIES,
  MALE_NAMES,
  REGIONS,
  STREETS,
  SURNAMES,
  type Region,
} from './kazakhstan';
import { Prng } from './prng';
import type {
  AddressRecord,
  LicenceRecord,
  PersonRecord,
  RelationRecord,
  SyntheticDataset,
  TaxDebtRecord,
  TaxpayerRecord,
  VehicleRecord,
} from './records';

/** The date the default data describes: fixed, so that the same seed gives the same data on any day. */
export const DATA_AS_OF = '2025-01-01';
export const DEFAULT_SEED = 42;

export interface GenerateOptions {
  /** How many people the population registry holds (at least 1). */
  readonly people: number;
  readonly seed?: number;
  /** `YYYY-MM-DD`; defaults to DATA_AS_OF. */
  readonly asOf?: string;
  /** Called now and then with the number of people generated so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

interface Place {
  readonly region: Region;
  readonly city: string;
  readonly street: string;
  readonly building: string;
  readonly apartment: string | null;
}

const BIRTH_PLACES_ABROAD: Readonly<Record<string, string>> = {
  RU: 'Omsk, Russia',
  UZ: 'Tashkent, Uzbekistan',
  KG: 'Bishkek, Kyrgyzstan',
  CN: 'Urumqi, China',
  TR: 'Istanbul, Turkey',
  TJ: 'Dushanbe, Tajikistan',
};

const PLATE_LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';

/** One line, as registries print it: `Almaty, Abai avenue 12, apt 5`. */
export function formatAddress(a: { city: string; street: string; building: string; apartment: string | null }): string {
  return `${a.city}, ${a.street} ${a.building}${a.apartment === null ? '' : `, apt ${a.apartment}`}`;
}

/**
 * Generates the synthetic population, vehicle and tax registries from a seed. Households come first (a married
 * couple with children, or a single adult), so family relations, surnames, patronymics and shared addresses agree;
 * vehicles, driving licences and taxes are then given to those same people by their age, life and current region.
 * The same options always give the same dataset, element for element.
 */
export function generateDataset(options: GenerateOptions): SyntheticDataset {
  if (!Number.isSafeInteger(options.people) || options.people < 1) {
    throw new RangeError('people must be a positive integer');
  }
  const seed = options.seed ?? DEFAULT_SEED;
  const asOf = options.asOf ?? DATA_AS_OF;
  return new DatasetBuilder(seed, asOf).build(options.people, options.onProgress);
}

interface Draft {
  person: PersonRecord;
  /** Region of the current (or last) registered address. */
  region: Region;
  lastPlace: Place;
}

class DatasetBuilder {
  private readonly rng: Prng;
  private readonly asOfDay: number;
  private readonly serials = new Map<string, number>();
  private readonly regionWeights: readonly (readonly [Region, number])[] = REGIONS.map((r) => [r, r.weight]);
  private readonly drafts: Draft[] = [];
  private readonly addresses: AddressRecord[] = [];
  private readonly relations: RelationRecord[] = [];

  constructor(
    private readonly seed: number,
    private readonly asOf: string,
  ) {
    this.rng = new Prng(seed);
    this.asOfDay = toDay(asOf);
  }

  build(count: number, onProgress?: (done: number, total: number) => void): SyntheticDataset {
    let reported = 0;
    while (this.drafts.length < count) {
      const remaining = count - this.drafts.length;
      if (remaining >= 2 && this.rng.chance(0.6)) this.household(remaining);
      else this.single();
      if (onProgress && this.drafts.length - reported >= 5000) {
        reported = this.drafts.length;
        onProgress(reported, count);
      }
    }
    onProgress?.(count, count);
    const vehicles: VehicleRecord[] = [];
    const licences: LicenceRecord[] = [];
    const taxpayers: TaxpayerRecord[] = [];
    const taxDebts: TaxDebtRecord[] = [];
    const plates = new Set<string>();
    const vins = new Set<string>();
    const licenceNumbers = new Set<string>();
    for (const draft of this.drafts) {
      const p = draft.person;
      const birth = toDay(p.birthDate);
      if (yearsBetween(birth, this.asOfDay) < 18) continue;
      const alive = p.deathDate === null;
      const owned = alive ? this.vehiclesFor(draft, plates, vins) : [];
      vehicles.push(...owned);
      if (alive && this.rng.chance(owned.length > 0 ? 0.95 : 0.5)) licences.push(this.licenceFor(p, licenceNumbers));
      const taxpayer = this.taxpayerFor(draft);
      taxpayers.push(taxpayer);
      if (alive) taxDebts.push(...this.debtsFor(draft, taxpayer, owned));
    }
    return {
      seed: this.seed,
      asOf: this.asOf,
      people: this.drafts.map((d) => d.person),
      addresses: this.addresses,
      relations: this.relations,
      vehicles,
      licences,
      taxpayers,
      taxDebts,
    };
  }

  // --- people -------------------------------------------------------------------------------------------------

  private household(remaining: number): void {
    const rng = this.rng;
    const husbandBirth = rng.int(addYears(this.asOfDay, -85), addYears(this.asOfDay, -21));
    const wifeBirth = Math.min(husbandBirth + rng.int(-3 * 365, 8 * 365), addYears(this.asOfDay, -19));
    const earliest = Math.max(addYears(husbandBirth, 20), addYears(wifeBirth, 18));
    const marriage = Math.min(earliest + rng.int(0, 8 * 365), this.asOfDay - 30);
    const surname = rng.pick(SURNAMES);
    const home = this.place();

    const husband = this.adult('male', husbandBirth, surname, marriage, home);
    const wifeSurname = rng.chance(0.3) ? rng.pick(SURNAMES) : surname;
    const wife = this.adult('female', wifeBirth, `${wifeSurname}a`, marriage, home);
    this.relate(husband, wife, 'spouse', fromDay(marriage));
    this.relate(wife, husband, 'spouse', fromDay(marriage));

    const wanted = rng.weighted<number>([
      [0, 15],
      [1, 25],
      [2, 30],
      [3, 20],
      [4, 10],
    ]);
    const lastBirth = Math.min(addYears(wifeBirth, 45), this.asOfDay - 1);
    const births: number[] = [];
    for (let i = 0; i < Math.min(wanted, remaining - 2); i++) {
      const day = marriage + rng.int(300, 20 * 365);
      if (day <= lastBirth) births.push(day);
    }
    births.sort((a, b) => a - b);
    let youngest = marriage;
    for (const birth of births) {
      const child = this.child(birth, surname, husband.person.firstName, home);
      for (const parent of [husband, wife]) {
        this.relate(child, parent, 'parent', null);
        this.relate(parent, child, 'child', null);
      }
      youngest = birth;
    }
    this.maybeDie(husband, Math.max(marriage, youngest) + 1);
    this.maybeDie(wife, Math.max(marriage, youngest) + 1);
  }

  private single(): void {
    const rng = this.rng;
    const sex: Sex = rng.chance(0.5) ? 'male' : 'female';
    const birth = rng.int(addYears(this.asOfDay, -80), addYears(this.asOfDay, -18));
    const foreign = rng.chance(0.04);
    const citizenship = foreign ? rng.pick(FOREIGN_CITIZENSHIPS) : 'KZ';
    const surname = rng.pick(SURNAMES);
    const person = this.person(sex, birth, sex === 'male' ? surname : `${surname}a`, rng.pick(MALE_NAMES), citizenship);
    // A foreign resident is registered from arrival; a citizen from birth, then moves now and then as an adult.
    let from = foreign ? rng.int(addYears(birth, 18), this.asOfDay - 1) : birth;
    let place = this.place();
    const draft: Draft = {
      person: { ...person, birthPlace: foreign ? (BIRTH_PLACES_ABROAD[citizenship] ?? citizenship) : place.city },
      region: place.region,
      lastPlace: place,
    };
    const moves = foreign ? 0 : rng.int(0, 2);
    for (let i = 0; i < moves; i++) {
      const move = rng.int(Math.max(from + 1, addYears(birth, 18)), this.asOfDay - 1);
      if (move <= from || move >= this.asOfDay) break;
      this.register(draft, place, from, move);
      from = move;
      place = this.place();
    }
    this.register(draft, place, from, null);
    this.drafts.push(draft);
    this.maybeDie(draft, addYears(birth, 18));
  }

  /** A spouse: registered at a parents' home (and perhaps a place of study) until the marriage, then at `home`. */
  private adult(sex: Sex, birth: number, surname: string, marriage: number, home: Place): Draft {
    const firstPlace = this.place();
    const person = this.person(sex, birth, surname, this.rng.pick(MALE_NAMES), 'KZ');
    const draft: Draft = {
      person: { ...person, birthPlace: firstPlace.city },
      region: firstPlace.region,
      lastPlace: firstPlace,
    };
    let from = birth;
    const study = addYears(birth, 17) + this.rng.int(0, 700);
    if (this.rng.chance(0.3) && study < marriage) {
      this.register(draft, firstPlace, from, study);
      from = study;
      this.register(draft, this.place(), from, marriage);
    } else {
      this.register(draft, firstPlace, from, marriage);
    }
    this.register(draft, home, marriage, null);
    this.drafts.push(draft);
    return draft;
  }

  /** A child: registered at the family home from birth; most adult children have since moved out. */
  private child(birth: number, surname: string, fatherName: string, home: Place): Draft {
    const sex: Sex = this.rng.chance(0.5) ? 'male' : 'female';
    const person = this.person(sex, birth, sex === 'male' ? surname : `${surname}a`, fatherName, 'KZ');
    const draft: Draft = { person: { ...person, birthPlace: home.city }, region: home.region, lastPlace: home };
    const grownUp = addYears(birth, 18);
    if (grownUp < this.asOfDay && this.rng.chance(0.6)) {
      const move = this.rng.int(grownUp, this.asOfDay - 1);
      this.register(draft, home, birth, move);
      this.register(draft, this.place(), move, null);
    } else {
      this.register(draft, home, birth, null);
    }
    this.drafts.push(draft);
    return draft;
  }

  private person(sex: Sex, birth: number, lastName: string, fatherName: string, citizenship: string): PersonRecord {
    const birthDate = fromDay(birth);
    const firstName = this.rng.pick(sex === 'male' ? MALE_NAMES : FEMALE_NAMES);
    return {
      iin: this.issueIin(birthDate, sex),
      lastName,
      firstName,
      patronymic: this.rng.chance(0.03) ? null : patronymic(fatherName, sex, yearOf(birth)),
      birthDate,
      sex,
      citizenship,
      birthPlace: '',
      deathDate: null,
    };
  }

  /** The next issuable serial for this birth date and sex, starting from a random one (as real registers are). */
  private issueIin(birthDate: string, sex: Sex): string {
    const key = `${birthDate}${sex}`;
    let serial = this.serials.get(key) ?? this.rng.int(0, 3000);
    for (;;) {
      if (serial > 9999) throw new RangeError(`no IIN serials left for ${birthDate}`);
      const iin = makeIin(birthDate, sex, serial);
      serial += 1;
      if (iin !== undefined) {
        this.serials.set(key, serial);
        return iin;
      }
    }
  }

  /** Older people may have died (after `notBefore`); their open registration ends on the day of death. */
  private maybeDie(draft: Draft, notBefore: number): void {
    const birth = toDay(draft.person.birthDate);
    const age = yearsBetween(birth, this.asOfDay);
    if (age < 60 || !this.rng.chance(Math.min(0.6, (age - 60) / 50))) return;
    // The person's address rows are the last ones pushed for their IIN: the open one ends on the day of death.
    let open = -1;
    for (let i = this.addresses.length - 1; i >= 0 && open < 0; i--) {
      const a = this.addresses[i] as AddressRecord;
      if (a.iin === draft.person.iin && a.registeredTo === null) open = i;
    }
    const openFrom = open < 0 ? birth : toDay((this.addresses[open] as AddressRecord).registeredFrom);
    const from = Math.max(addYears(birth, 60), notBefore, openFrom + 1);
    if (from >= this.asOfDay) return;
    const death = this.rng.int(from, this.asOfDay - 1);
    draft.person = { ...draft.person, deathDate: fromDay(death) };
    if (open >= 0) this.addresses[open] = { ...(this.addresses[open] as AddressRecord), registeredTo: fromDay(death) };
  }

  private place(region?: Region): Place {
    const rng = this.rng;
    const r = region ?? rng.weighted(this.regionWeights);
    const building = `${rng.int(1, 240)}${rng.chance(0.1) ? rng.pick(['A', 'B', 'V']) : ''}`;
    return {
      region: r,
      city: rng.pick(r.cities),
      street: rng.pick(STREETS),
      building,
      apartment: rng.chance(0.75) ? String(rng.int(1, 320)) : null,
    };
  }

  private register(draft: Draft, place: Place, from: number, to: number | null): void {
    draft.region = place.region;
    draft.lastPlace = place;
    this.addresses.push({
      iin: draft.person.iin,
      region: place.region.name,
      city: place.city,
      street: place.street,
      building: place.building,
      apartment: place.apartment,
      registeredFrom: fromDay(from),
      registeredTo: to === null ? null : fromDay(to),
    });
  }

  private relate(from: Draft, to: Draft, kind: RelationRecord['kind'], since: string | null): void {
    this.relations.push({ iin: from.person.iin, relatedIin: to.person.iin, kind, since });
  }

  // --- vehicles and licences ----------------------------------------------------------------------------------

  private vehiclesFor(draft: Draft, plates: Set<string>, vins: Set<string>): VehicleRecord[] {
    const rng = this.rng;
    if (!rng.chance(0.35)) return [];
    const count = rng.chance(0.15) ? 2 : 1;
    const adult = addYears(toDay(draft.person.birthDate), 18);
    const asOfYear = yearOf(this.asOfDay);
    const result: VehicleRecord[] = [];
    for (let i = 0; i < count; i++) {
      const car = rng.weighted(CAR_MODELS.map((c) => [c, c.weight] as const));
      const year = asOfYear - Math.floor(26 * rng.float() ** 2);
      const registeredFrom = Math.max(toDay(`${year}-01-01`), adult);
      const registeredOn =
        registeredFrom >= this.asOfDay ? this.asOfDay - 1 : rng.int(registeredFrom, this.asOfDay - 1);
      result.push({
        vin: this.unique(vins, () => this.vin(car.wmi, year)),
        plate: this.unique(plates, () => this.plate(draft.region)),
        make: car.make,
        model: rng.pick(car.models),
        year,
        colour: rng.pick(COLOURS),
        ownerIin: draft.person.iin,
        registeredOn: fromDay(registeredOn),
        status: rng.weighted([
          ['registered', 98],
          ['wanted', 1],
          ['impounded', 1],
        ] as const),
      });
    }
    return result;
  }

  private unique(seen: Set<string>, make: () => string): string {
    for (;;) {
      const value = make();
      if (!seen.has(value)) {
        seen.add(value);
        return value;
      }
    }
  }

  /** Kazakh plates since 2012: three digits, three letters, the two-digit region code (`123ABC02`). */
  private plate(region: Region): string {
    const rng = this.rng;
    const letters = `${rng.pick([...PLATE_LETTERS])}${rng.pick([...PLATE_LETTERS])}${rng.pick([...PLATE_LETTERS])}`;
    return `${String(rng.int(1, 999)).padStart(3, '0')}${letters}${region.plateCode}`;
  }

  private vin(wmi: string, year: number): string {
    const rng = this.rng;
    let vds = '';
    for (let i = 0; i < 5; i++) vds += rng.pick([...VIN_ALPHABET]);
    const plant = rng.pick([...VIN_ALPHABET]);
    const serial = String(rng.int(0, 999_999)).padStart(6, '0');
    const draft = `${wmi}${vds}0${vinYearCode(year)}${plant}${serial}`;
    return `${draft.slice(0, 8)}${vinCheckDigit(draft)}${draft.slice(9)}`;
  }

  private licenceFor(person: PersonRecord, numbers: Set<string>): LicenceRecord {
    const rng = this.rng;
    const earliest = Math.max(addYears(toDay(person.birthDate), 18), addYears(this.asOfDay, -10) + 1);
    const issued = rng.int(Math.min(earliest, this.asOfDay - 1), this.asOfDay - 1);
    const status = rng.weighted([
      ['valid', 94],
      ['suspended', 4],
      ['revoked', 2],
    ] as const);
    const reasons = {
      valid: [null],
      suspended: ['driving under the influence', 'repeated speeding', 'unpaid fines'],
      revoked: ['court decision', 'medical unfitness'],
    } as const;
    return {
      number: this.unique(numbers, () => {
        const letters = `${rng.pick([...PLATE_LETTERS])}${rng.pick([...PLATE_LETTERS])}`;
        return `${letters}${String(rng.int(0, 999_999)).padStart(6, '0')}`;
      }),
      holderIin: person.iin,
      categories: rng.weighted(LICENCE_CATEGORIES),
      issuedOn: fromDay(issued),
      expiresOn: fromDay(addYears(issued, 10)),
      status,
      statusReason: rng.pick<string | null>(reasons[status]),
    };
  }

  // --- taxes --------------------------------------------------------------------------------------------------

  private taxpayerFor(draft: Draft): TaxpayerRecord {
    const rng = this.rng;
    const p = draft.person;
    const from = Math.max(addYears(toDay(p.birthDate), 18), toDay('1996-01-01'));
    const registered = Math.min(from + rng.int(0, 400), this.asOfDay - 1);
    return {
      iin: p.iin,
      lastName: p.lastName,
      firstName: p.firstName,
      patronymic: p.patronymic,
      status: p.deathDate === null ? 'registered' : 'deregistered',
      category:
        p.deathDate === null
          ? rng.weighted([
              ['individual', 85],
              ['individual-entrepreneur', 10],
              ['self-employed', 5],
            ] as const)
          : 'individual',
      taxOffice: `${draft.region.plateCode}${String(rng.int(1, 9)).padStart(2, '0')}`,
      registeredOn: fromDay(registered),
    };
  }

  private debtsFor(draft: Draft, taxpayer: TaxpayerRecord, vehicles: readonly VehicleRecord[]): TaxDebtRecord[] {
    const rng = this.rng;
    const debts: TaxDebtRecord[] = [];
    // Property and vehicle taxes of a year are due by 1 October of the next (Tax Code of the RK, art. 498 and 529):
    // only years whose due date has passed can be in arrears.
    const lastPeriod = (dueMonthDay: string): number => {
      const year = yearOf(this.asOfDay);
      return toDay(`${year}-${dueMonthDay}`) < this.asOfDay ? year - 1 : year - 2;
    };
    const debt = (kind: TaxDebtRecord['kind'], period: number, objectRef: string | null, maxTenge: number): void => {
      const principalTiyn = rng.int(2_000, maxTenge) * 100 + rng.int(0, 99);
      debts.push({
        iin: taxpayer.iin,
        kind,
        period,
        objectRef,
        principalTiyn,
        penaltyTiyn: Math.round((principalTiyn * rng.int(1, 20)) / 100),
        dueDate: kind === 'personal-income-tax' ? `${period + 1}-03-31` : `${period + 1}-10-01`,
      });
    };
    for (const vehicle of vehicles) {
      const last = lastPeriod('10-01');
      const first = Math.max(yearOf(toDay(vehicle.registeredOn)), last - 3);
      if (first <= last && rng.chance(0.12)) debt('vehicle-tax', rng.int(first, last), vehicle.plate, 150_000);
    }
    if (rng.chance(0.05)) debt('property-tax', lastPeriod('10-01'), formatAddress(draft.lastPlace), 60_000);
    if (taxpayer.category === 'individual-entrepreneur' && rng.chance(0.15)) {
      debt('personal-income-tax', lastPeriod('03-31'), null, 900_000);
    }
    return debts;
  }
}

/** Kazakh-style patronymic for those born since 1995 (Nurlanuly / Nurlankyzy), Russian-style before it. */
function patronymic(fatherName: string, sex: Sex, birthYear: number): string {
  if (birthYear >= 1995) return `${fatherName}${sex === 'male' ? 'uly' : 'kyzy'}`;
  const stem = /[aeiouy]$/.test(fatherName) ? fatherName.slice(0, -1) : fatherName;
  return `${stem}${sex === 'male' ? 'ovich' : 'ovna'}`;
}
