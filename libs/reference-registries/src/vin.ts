/**
 * Vehicle identification numbers (ISO 3779): 17 characters from 0-9 and A-Z without I, O and Q. Position 9 is a
 * check digit in North America (49 CFR 565.15) and is used by many other makers; European VINs need not carry one,
 * so the registry's query checks only the form, and the generator always writes a correct check digit.
 */
const VIN_RE = /^[A-HJ-NPR-Z0-9]{17}$/;
const TRANSLITERATION: Readonly<Record<string, number>> = {
  A: 1,
  B: 2,
  C: 3,
  D: 4,
  E: 5,
  F: 6,
  G: 7,
  H: 8,
  J: 1,
  K: 2,
  L: 3,
  M: 4,
  N: 5,
  P: 7,
  R: 9,
  S: 2,
  T: 3,
  U: 4,
  V: 5,
  W: 6,
  X: 7,
  Y: 8,
  Z: 9,
};
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2] as const;
/** Model-year codes at position 10, repeating every 30 years from 1980 (49 CFR 565.15(a)). */
const YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';
/** The characters a VIN may contain. */
export const VIN_ALPHABET = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ';

/** 17 characters of the VIN alphabet. */
export function isVinForm(value: unknown): value is string {
  return typeof value === 'string' && VIN_RE.test(value);
}

/** The check character (position 9) for a VIN: '0'-'9' or 'X'. */
export function vinCheckDigit(vin: string): string {
  if (vin.length !== 17) throw new RangeError('a VIN has 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const ch = vin[i] as string;
    const value = ch >= '0' && ch <= '9' ? Number(ch) : TRANSLITERATION[ch];
    if (value === undefined) throw new RangeError(`'${ch}' is not a VIN character`);
    sum += value * (WEIGHTS[i] as number);
  }
  const rest = sum % 11;
  return rest === 10 ? 'X' : String(rest);
}

/** A VIN of correct form whose position 9 holds the right check digit. */
export function isValidVin(value: unknown): value is string {
  return isVinForm(value) && value[8] === vinCheckDigit(value);
}

/** The model-year code for position 10. */
export function vinYearCode(year: number): string {
  return YEAR_CODES[(((year - 1980) % 30) + 30) % 30] as string;
}
