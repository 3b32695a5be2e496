import { KopirError } from '@kopir/contracts';

/**
 * The IIN (individual identification number, ЖСН/ИИН) of Kazakhstan: 12 digits `YYMMDD C NNNN K`, issued once per
 * person under the Law "On National Registers of Identification Numbers" (No. 223-III, 12 January 2007).
 * - YYMMDD: the birth date;
 * - C (7th digit): century and sex: 1/2 born 1800-1899, 3/4 born 1900-1999, 5/6 born 2000-2099; odd male, even female;
 * - NNNN: a serial number among people with the same birth date;
 * - K: the check digit. Weights 1..11 over the first 11 digits, sum mod 11; if that is 10, weights
 *   3,4,5,6,7,8,9,10,11,1,2, sum mod 11; if that is 10 again, the number is never issued (the serial is skipped).
 */
export type Sex = 'male' | 'female';

export interface IinParts {
  /** ISO date `YYYY-MM-DD`. */
  readonly birthDate: string;
  readonly sex: Sex;
  /** 0-9999. */
  readonly serial: number;
}

const WEIGHTS_1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] as const;
const WEIGHTS_2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2] as const;
const IIN_RE = /^[0-9]{12}$/;

function weightedMod11(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum += (digits.charCodeAt(i) - 48) * (weights[i] as number);
  return sum % 11;
}

/**
 * The check digit for the first 11 digits of an IIN, or undefined when no check digit exists (both weighted sums
 * leave 10), i.e. such a number is never issued.
 */
export function iinChecksum(first11: string): number | undefined {
  if (!/^[0-9]{11}/.test(first11)) throw new RangeError('iinChecksum expects at least 11 digits');
  const first = weightedMod11(first11, WEIGHTS_1);
  if (first !== 10) return first;
  const second = weightedMod11(first11, WEIGHTS_2);
  return second === 10 ? undefined : second;
}

/** Why an IIN is not valid, or undefined when it is. The reason never repeats the number (it is citizen data). */
export function iinProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'IIN must be a string of 12 digits';
  if (!IIN_RE.test(value)) return 'IIN must be exactly 12 digits';
  const centuryDigit = value.charCodeAt(6) - 48;
  if (centuryDigit < 1 || centuryDigit > 6) return "IIN's 7th digit (century and sex) must be 1 to 6";
  if (birthDateOf(value) === undefined) return 'IIN does not start with a real birth date (YYMMDD)';
  const check = iinChecksum(value);
  if (check === undefined) return 'IIN is not issuable (no check digit exists for its first 11 digits)';
  if (check !== value.charCodeAt(11) - 48) return 'IIN check digit does not match';
  return undefined;
}

/** True when `value` is a well-formed IIN: 12 digits, a real birth date, a century/sex digit and its check digit. */
export function isValidIin(value: unknown): value is string {
  return iinProblem(value) === undefined;
}

/** Returns `value` when it is a valid IIN; throws KopirError `request_invalid` naming the problem otherwise. */
export function assertIin(value: unknown, field = 'iin'): string {
  const problem = iinProblem(value);
  if (problem !== undefined) throw new KopirError('request_invalid', `${field}: ${problem}`);
  return value as string;
}

/** Birth date, sex and serial of a valid IIN. */
export function parseIin(value: string): IinParts {
  const iin = assertIin(value);
  const centuryDigit = iin.charCodeAt(6) - 48;
  return {
    birthDate: birthDateOf(iin) as string,
    sex: centuryDigit % 2 === 1 ? 'male' : 'female',
    serial: Number(iin.slice(7, 11)),
  };
}

/**
 * Builds the IIN for a birth date, sex and serial, with the 7th digit and check digit computed; undefined when that
 * serial gives a number that is never issued (the generator then takes the next serial).
 */
export function makeIin(birthDate: string, sex: Sex, serial: number): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!match) throw new RangeError(`birth date must be YYYY-MM-DD, got ${birthDate}`);
  const year = Number(match[1]);
  if (year < 1800 || year > 2099) throw new RangeError(`IINs cover birth years 1800-2099, got ${year}`);
  if (!Number.isInteger(serial) || serial < 0 || serial > 9999) throw new RangeError('serial must be 0-9999');
  const century = Math.floor(year / 100) - 18; // 0, 1, 2
  const centuryDigit = century * 2 + (sex === 'male' ? 1 : 2);
  const first11 = `${match[1]?.slice(2)}${match[2]}${match[3]}${centuryDigit}${String(serial).padStart(4, '0')}`;
  const check = iinChecksum(first11);
  return check === undefined ? undefined : `${first11}${check}`;
}

function birthDateOf(iin: string): string | undefined {
  const centuryDigit = iin.charCodeAt(6) - 48;
  const year = 1800 + Math.floor((centuryDigit - 1) / 2) * 100 + Number(iin.slice(0, 2));
  const month = Number(iin.slice(2, 4));
  const day = Number(iin.slice(4, 6));
  if (month < 1 || month > 12 || day < 1) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  return `${year}-${iin.slice(2, 4)}-${iin.slice(4, 6)}`;
}
