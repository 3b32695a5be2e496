import { createHash } from 'node:crypto';
import { isValidIin, parseIin } from '../iin';
import { isValidVin } from '../vin';
import { addYears, toDay, yearsBetween } from './dates';
import { DATA_AS_OF, generateDataset } from './generator';
import { REGIONS } from './kazakhstan';
import { Prng } from './prng';
import type { AddressRecord, SyntheticDataset } from './records';

const digest = (d: SyntheticDataset): string => createHash('sha256').update(JSON.stringify(d)).digest('hex');
const data = generateDataset({ people: 4000, seed: 7 });
const people = new Map(data.people.map((p) => [p.iin, p]));
const asOf = toDay(DATA_AS_OF);
const isAdult = (iin: string): boolean => yearsBetween(toDay(people.get(iin)?.birthDate ?? ''), asOf) >= 18;

const addressIndex = new Map<string, AddressRecord[]>();
for (const a of data.addresses) addressIndex.set(a.iin, [...(addressIndex.get(a.iin) ?? []), a]);
function addressesOf(iin: string): AddressRecord[] {
  return addressIndex.get(iin) ?? [];
}

describe('Prng', () => {
  it('gives the same stream for the same seed and different streams for nearby seeds', () => {
    const take = (seed: number): number[] => {
      const rng = new Prng(seed);
      return Array.from({ length: 8 }, () => rng.uint32());
    };
    expect(take(1)).toEqual(take(1));
    expect(take(1)).not.toEqual(take(2));
    const rng = new Prng(3);
    for (let i = 0; i < 1000; i++) {
      const n = rng.int(-2, 2);
      expect(n).toBeGreaterThanOrEqual(-2);
      expect(n).toBeLessThanOrEqual(2);
    }
  });
});

describe('synthetic data generator', () => {
  it('gives byte-identical data for the same seed, and different data for another seed', () => {
    expect(data.people).toHaveLength(4000);
    expect(digest(generateDataset({ people: 4000, seed: 7 }))).toBe(digest(data));
    expect(digest(generateDataset({ people: 4000, seed: 8 }))).not.toBe(digest(data));
  });

  it('issues every person a unique, valid IIN that encodes their birth date and sex', () => {
    expect(people.size).toBe(data.people.length);
    for (const p of data.people) {
      expect(isValidIin(p.iin)).toBe(true);
      expect(parseIin(p.iin)).toMatchObject({ birthDate: p.birthDate, sex: p.sex });
    }
  });

  it('keeps relations consistent: spouses both ways, parents and children both ways, names from the father', () => {
    const key = (a: string, b: string, k: string): string => `${a}>${b}:${k}`;
    const all = new Set(data.relations.map((r) => key(r.iin, r.relatedIin, r.kind)));
    let families = 0;
    for (const r of data.relations) {
      expect(people.has(r.iin) && people.has(r.relatedIin)).toBe(true);
      const self = people.get(r.iin)!;
      const other = people.get(r.relatedIin)!;
      if (r.kind === 'spouse') {
        expect(all.has(key(r.relatedIin, r.iin, 'spouse'))).toBe(true);
        expect(self.sex).not.toBe(other.sex);
        expect(r.since! >= addYearsIso(self.birthDate, 18)).toBe(true);
      } else if (r.kind === 'parent') {
        families += 1;
        expect(all.has(key(r.relatedIin, r.iin, 'child'))).toBe(true);
        expect(self.birthDate > addYearsIso(other.birthDate, 18)).toBe(true);
        if (other.sex === 'male') {
          // Surname in the child's gendered form, patronymic from the father's first name.
          expect(self.lastName.replace(/a$/, '')).toBe(other.lastName);
          if (self.patronymic !== null) expect(self.patronymic.startsWith(other.firstName.slice(0, 3))).toBe(true);
        }
      } else {
        expect(all.has(key(r.relatedIin, r.iin, 'parent'))).toBe(true);
      }
    }
    expect(families).toBeGreaterThan(500);
  });

  it('gives every person a chronological address history with one current address while alive', () => {
    for (const p of data.people) {
      const history = addressesOf(p.iin);
      expect(history.length).toBeGreaterThan(0);
      const open = history.filter((a) => a.registeredTo === null);
      expect(open).toHaveLength(p.deathDate === null ? 1 : 0);
      for (let i = 1; i < history.length; i++) {
        expect(history[i]!.registeredFrom).toBe(history[i - 1]!.registeredTo);
      }
      expect(history[0]!.registeredFrom >= p.birthDate).toBe(true);
      if (p.deathDate !== null) expect(history[history.length - 1]!.registeredTo! <= p.deathDate).toBe(true);
    }
    // Spouses share their current home.
    for (const r of data.relations.filter((x) => x.kind === 'spouse')) {
      const a = addressesOf(r.iin).at(-1)!;
      const b = addressesOf(r.relatedIin).at(-1)!;
      if (a.registeredTo === null && b.registeredTo === null) {
        expect(`${a.city}|${a.street}|${a.building}|${a.apartment}`).toBe(
          `${b.city}|${b.street}|${b.building}|${b.apartment}`,
        );
      }
    }
  });

  it('gives vehicles to living adults, with unique plates of their region and VINs with valid check digits', () => {
    expect(data.vehicles.length).toBeGreaterThan(500);
    expect(new Set(data.vehicles.map((v) => v.plate)).size).toBe(data.vehicles.length);
    expect(new Set(data.vehicles.map((v) => v.vin)).size).toBe(data.vehicles.length);
    for (const v of data.vehicles) {
      const owner = people.get(v.ownerIin)!;
      expect(owner.deathDate).toBeNull();
      expect(isAdult(v.ownerIin)).toBe(true);
      expect(v.plate).toMatch(/^[0-9]{3}[A-Z]{3}[0-9]{2}$/);
      expect(isValidVin(v.vin)).toBe(true);
      const region = REGIONS.find((r) => r.name === addressesOf(v.ownerIin).at(-1)!.region)!;
      expect(v.plate.slice(-2)).toBe(region.plateCode);
      expect(v.registeredOn < DATA_AS_OF).toBe(true);
    }
  });

  it('issues driving licences to living adults only, for ten years', () => {
    expect(new Set(data.licences.map((l) => l.number)).size).toBe(data.licences.length);
    for (const l of data.licences) {
      const holder = people.get(l.holderIin)!;
      expect(holder.deathDate).toBeNull();
      expect(l.issuedOn >= addYearsIso(holder.birthDate, 18)).toBe(true);
      expect(l.expiresOn).toBe(addYearsIso(l.issuedOn, 10));
      expect(l.status === 'valid').toBe(l.statusReason === null);
    }
  });

  it('registers every adult as a taxpayer under the same name, and ties vehicle-tax debts to their own vehicles', () => {
    const taxpayers = new Map(data.taxpayers.map((t) => [t.iin, t]));
    expect(taxpayers.size).toBe(data.people.filter((p) => isAdult(p.iin)).length);
    for (const t of data.taxpayers) {
      const p = people.get(t.iin)!;
      expect([t.lastName, t.firstName, t.patronymic]).toEqual([p.lastName, p.firstName, p.patronymic]);
      expect(t.status).toBe(p.deathDate === null ? 'registered' : 'deregistered');
    }
    const plates = new Map(data.vehicles.map((v) => [v.plate, v.ownerIin]));
    expect(data.taxDebts.length).toBeGreaterThan(20);
    for (const d of data.taxDebts) {
      expect(taxpayers.get(d.iin)?.status).toBe('registered');
      expect(d.dueDate < DATA_AS_OF).toBe(true);
      expect(Number.isInteger(d.principalTiyn) && d.principalTiyn > 0).toBe(true);
      if (d.kind === 'vehicle-tax') expect(plates.get(d.objectRef!)).toBe(d.iin);
    }
  });

  it('refuses a non-positive count', () => {
    expect(() => generateDataset({ people: 0 })).toThrow(RangeError);
  });
});

function addYearsIso(iso: string, years: number): string {
  return new Date(addYears(toDay(iso), years) * 86_400_000).toISOString().slice(0, 10);
}
