import { maskAnswer } from './mask-answer';

describe('maskAnswer', () => {
  const person = { iin: '1', name: 'A', address: { city: 'X', street: 'Y' }, secret: 's' };

  it('keeps only the granted top-level fields, whole', () => {
    expect(maskAnswer(person, ['iin', 'address'])).toEqual({ iin: '1', address: { city: 'X', street: 'Y' } });
  });

  it('grants nothing by default: no fields, or unknown ones, leave an empty object', () => {
    expect(maskAnswer(person, [])).toEqual({});
    expect(maskAnswer(person, ['nope', '__proto__', 'constructor'])).toEqual({});
  });

  it('masks each item of an array answer, and inside arrays of objects with dotted fields', () => {
    expect(maskAnswer([person, { ...person, iin: '2' }], ['iin'])).toEqual([{ iin: '1' }, { iin: '2' }]);
    const owner = {
      ownerIin: '1',
      vehicles: [
        { plate: 'P', vin: 'V' },
        { plate: 'Q', vin: 'W' },
      ],
    };
    expect(maskAnswer(owner, ['vehicles.plate'])).toEqual({ vehicles: [{ plate: 'P' }, { plate: 'Q' }] });
    expect(maskAnswer(owner, ['vehicles.plate', 'vehicles'])).toEqual({ vehicles: owner.vehicles });
  });

  it('never lets a scalar through where the rule names members; null stays null', () => {
    expect(maskAnswer('secret', ['iin'])).toBeUndefined();
    expect(maskAnswer({ address: 'flat text' }, ['address.city'])).toEqual({});
    expect(maskAnswer({ address: null }, ['address.city'])).toEqual({ address: null });
  });
});
