import fc from 'fast-check';
import { applyFieldMask, withinFieldMask } from './field-mask';

describe('field mask', () => {
  const person = {
    iin: '900101300123',
    firstName: 'Aigerim',
    taxDebt: 120,
    addresses: [
      { city: 'Astana', street: 'Abay 1' },
      { city: 'Almaty', street: 'Dostyk 2' },
    ],
  };

  it('keeps only the named fields, inside lists too', () => {
    expect(applyFieldMask(person, ['iin', 'addresses.city'])).toEqual({
      iin: '900101300123',
      addresses: [{ city: 'Astana' }, { city: 'Almaty' }],
    });
  });

  it('grants a member named with its parent, in either order, at its own level only', () => {
    // ['a', 'a.b'] once also granted a top-level `b`: the loop went on one level too high after `a` was granted whole.
    const answer = { addresses: [{ city: 'Astana', street: 'Abay 1' }], city: 'Almaty', street: 'Dostyk 2' };
    for (const fields of [
      ['addresses', 'addresses.city'],
      ['addresses.city', 'addresses'],
    ]) {
      expect(applyFieldMask(answer, fields)).toEqual({ addresses: [{ city: 'Astana', street: 'Abay 1' }] });
      expect(withinFieldMask(answer, fields)).toBe(false);
    }
  });

  it('says whether an answer holds anything outside the mask', () => {
    expect(withinFieldMask(person, ['iin', 'firstName', 'taxDebt', 'addresses'])).toBe(true);
    expect(withinFieldMask(person, ['iin', 'firstName', 'addresses'])).toBe(false);
    expect(withinFieldMask(person, ['iin', 'firstName', 'taxDebt', 'addresses.city'])).toBe(false);
    expect(withinFieldMask({ addresses: 'flat' }, ['addresses.city'])).toBe(false);
  });

  it('property: a masked answer is always within its mask, and masking it again changes nothing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.constantFrom('a', 'b', 'c', 'a.b', 'b.c', 'c.a.b')), (value, fields) => {
        const masked = applyFieldMask(value, fields);
        expect(withinFieldMask(masked, fields)).toBe(true);
        expect(applyFieldMask(masked, fields)).toEqual(masked);
      }),
    );
  });
});
