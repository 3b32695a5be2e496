import { canonicalJson } from './canonical-json';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts members by UTF-16 code units and drops whitespace (RFC 8785 §3.2.3 example)', () => {
    // The sorting example of RFC 8785 §3.2.3: the expected order of the property names.
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Read the names back in text order (Object.keys would put the integer-like "1" first).
    const names = [...canonicalJson(input).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map(
      (m) => JSON.parse(`"${m[1]}"`) as string,
    );
    expect(names).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  it('serialises numbers as ECMAScript does (RFC 8785 Appendix B samples)', () => {
    expect(canonicalJson([0, -0, 1e21, 1e-7, 333333333.3333333, 1e30, 4.5, 2e-3, 0.000001])).toBe(
      '[0,0,1e+21,1e-7,333333333.3333333,1e+30,4.5,0.002,0.000001]',
    );
  });

  it('reproduces the RFC 8785 §3.2.4 example output', () => {
    const input = {
      numbers: [333333333.3333333, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000f\u000aA\'\u0042\u0022\u005c\\"/',
      literals: [null, true, false],
    };
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('refuses what has no canonical form: NaN, Infinity, lone surrogates, functions', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(expect.objectContaining({ code: 'event_invalid' }));
    expect(() => canonicalJson({ a: Infinity })).toThrow(expect.objectContaining({ code: 'event_invalid' }));
    expect(() => canonicalJson('\ud800')).toThrow(expect.objectContaining({ code: 'event_invalid' }));
    expect(() => canonicalJson(() => 1)).toThrow(expect.objectContaining({ code: 'event_invalid' }));
  });

  it('omits undefined members, as JSON does', () => {
    expect(canonicalJson({ b: 1, a: undefined })).toBe('{"b":1}');
  });
});
