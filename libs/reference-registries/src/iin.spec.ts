import { KopirError } from '@kopir/contracts';
import { assertIin, iinChecksum, iinProblem, isValidIin, makeIin, parseIin } from './iin';

// Published IINs used as test vectors by open-source validators (valery1707/kaz-person-id, py-kz-validators,
// kz-iin-validator); they are examples of the format, not looked up in any registry.
const KNOWN_VALID = [
  ['871008401427', '1987-10-08', 'female'],
  ['760212350620', '1976-02-12', 'male'],
  ['800416300257', '1980-04-16', 'male'],
  ['680503450037', '1968-05-03', 'female'],
  ['800416100254', '1880-04-16', 'male'],
  ['680503250034', '1868-05-03', 'female'],
  ['791028302728', '1979-10-28', 'male'],
  ['061211600012', '2006-12-11', 'female'],
] as const;

describe('IIN', () => {
  it.each(KNOWN_VALID)('accepts the published IIN %s and reads its birth date and sex', (iin, birthDate, sex) => {
    expect(isValidIin(iin)).toBe(true);
    expect(parseIin(iin)).toEqual({ birthDate, sex, serial: Number(iin.slice(7, 11)) });
  });

  it.each(KNOWN_VALID)('rejects %s with any other check digit', (iin) => {
    for (let d = 0; d <= 9; d++) {
      const altered = `${iin.slice(0, 11)}${d}`;
      if (altered !== iin) expect(iinProblem(altered)).toBe('IIN check digit does not match');
    }
  });

  it('uses the second weights 3,4,...,11,1,2 when the first sum leaves 10', () => {
    // Find a number whose first weighted sum leaves 10, then compute its second sum independently.
    let found: string | undefined;
    for (let serial = 0; serial < 10000 && !found; serial++) {
      const first11 = `900101${3}${String(serial).padStart(4, '0')}`;
      const w1 = [...first11].reduce((s, c, i) => s + Number(c) * (i + 1), 0) % 11;
      if (w1 === 10) found = first11;
    }
    expect(found).toBeDefined();
    const first11 = found as string;
    const w2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    const expected = [...first11].reduce((s, c, i) => s + Number(c) * (w2[i] as number), 0) % 11;
    expect(iinChecksum(first11)).toBe(expected === 10 ? undefined : expected);
  });

  it('never issues numbers whose both weighted sums leave 10, and makeIin skips them', () => {
    let unissuable = 0;
    for (let serial = 0; serial < 10000; serial++) {
      const first11 = `850315${4}${String(serial).padStart(4, '0')}`;
      const made = makeIin('1985-03-15', 'female', serial);
      if (iinChecksum(first11) === undefined) {
        unissuable += 1;
        expect(made).toBeUndefined();
        // No last digit makes such a number valid.
        for (let d = 0; d <= 9; d++) expect(isValidIin(`${first11}${d}`)).toBe(false);
      } else {
        expect(made).toBe(`${first11}${iinChecksum(first11)}`);
        expect(isValidIin(made)).toBe(true);
      }
    }
    expect(unissuable).toBeGreaterThan(0);
  });

  it('writes the century and sex into the 7th digit', () => {
    const cases = [
      ['1899-12-31', 'male', '1'],
      ['1899-12-31', 'female', '2'],
      ['1950-06-01', 'male', '3'],
      ['1950-06-01', 'female', '4'],
      ['2001-01-01', 'male', '5'],
      ['2001-01-01', 'female', '6'],
    ] as const;
    for (const [birthDate, sex, digit] of cases) {
      const iin = makeIin(birthDate, sex, 1) ?? makeIin(birthDate, sex, 2);
      expect(iin?.[6]).toBe(digit);
      expect(parseIin(iin as string)).toMatchObject({ birthDate, sex });
    }
  });

  it.each([
    ['', 'IIN must be exactly 12 digits'],
    ['87100840142', 'IIN must be exactly 12 digits'],
    ['8710084014270', 'IIN must be exactly 12 digits'],
    ['87100840142a', 'IIN must be exactly 12 digits'],
    [' 871008401427', 'IIN must be exactly 12 digits'],
    ['８７１００８４０１４２７', 'IIN must be exactly 12 digits'],
    ["871008401427' OR 1=1 --", 'IIN must be exactly 12 digits'],
    ['871008001427', "IIN's 7th digit (century and sex) must be 1 to 6"],
    ['871008701427', "IIN's 7th digit (century and sex) must be 1 to 6"],
    ['871308401427', 'IIN does not start with a real birth date (YYMMDD)'],
    ['870230401427', 'IIN does not start with a real birth date (YYMMDD)'],
    ['870229401427', 'IIN does not start with a real birth date (YYMMDD)'],
    ['871000401427', 'IIN does not start with a real birth date (YYMMDD)'],
  ])('rejects %j: %s', (value, problem) => {
    expect(iinProblem(value)).toBe(problem);
    expect(isValidIin(value)).toBe(false);
  });

  it('rejects values that are not strings', () => {
    for (const value of [871008401427, null, undefined, {}, ['871008401427']]) {
      expect(isValidIin(value)).toBe(false);
    }
  });

  it('accepts 29 February only in a leap year of the right century', () => {
    expect(makeIin('2000-02-29', 'male', 10) ?? makeIin('2000-02-29', 'male', 11)).toMatch(/^0002295/);
    // 1900 was not a leap year: 000229 with a 20th-century digit is not a date.
    expect(iinProblem('000229300000')).toBe('IIN does not start with a real birth date (YYMMDD)');
  });

  it('throws request_invalid naming the field, without echoing the number', () => {
    const error = (() => {
      try {
        assertIin('871008401428', 'subject');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(KopirError);
    expect(error).toMatchObject({ code: 'request_invalid', message: 'subject: IIN check digit does not match' });
    expect((error as Error).message).not.toContain('871008401428');
  });
});
