import { isValidVin, isVinForm, vinCheckDigit, vinYearCode } from './vin';

describe('VIN', () => {
  it('computes the check digit of the 49 CFR 565 worked example 1M8GDM9A_KP042788', () => {
    expect(vinCheckDigit('1M8GDM9AXKP042788')).toBe('X');
    expect(isValidVin('1M8GDM9AXKP042788')).toBe(true);
    expect(isValidVin('1M8GDM9A1KP042788')).toBe(false);
  });

  it('refuses I, O, Q, lower case, wrong lengths and injection text', () => {
    for (const vin of ['1M8GDM9AXKP04278I', '1m8gdm9axkp042788', '1M8GDM9AXKP04278', "1' OR 1=1 --AAAAAA", '']) {
      expect(isVinForm(vin)).toBe(false);
    }
  });

  it('codes model years with a 30-year cycle', () => {
    expect(vinYearCode(1980)).toBe('A');
    expect(vinYearCode(2001)).toBe('1');
    expect(vinYearCode(2010)).toBe('A');
    expect(vinYearCode(2024)).toBe('R');
  });
});
