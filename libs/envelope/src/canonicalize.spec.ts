import { canonicalize } from './canonicalize';

/** IEEE 754 double from its 16-hex-digit bit pattern (RFC 8785 Appendix B lists numbers this way). */
function double(hex: string): number {
  const buffer = Buffer.from(hex, 'hex');
  return buffer.readDoubleBE(0);
}

describe('canonicalize (RFC 8785)', () => {
  it('serializes the §3.2.2 example exactly as published', () => {
    // The input of RFC 8785 §3.2.2, parsed the way any JSON parser would.
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    );
    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts member names by UTF-16 code units as in §3.2.3', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const serialized = canonicalize(input);
    expect(serialized).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","😀":"Emoji: Grinning Face","דּ":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  // RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('serializes the number with bits %s as %s (Appendix B)', (hex, text) => {
    expect(canonicalize(double(hex))).toBe(text);
  });

  it.each([
    ['7fffffffffffffff', 'NaN'],
    ['7ff0000000000000', 'Infinity'],
  ])('refuses the number with bits %s (%s), which JSON cannot hold', (hex) => {
    expect(() => canonicalize(double(hex))).toThrow(expect.objectContaining({ code: 'request_invalid' }));
  });

  it('gives the same text for the same data whatever the member order or whitespace', () => {
    const a = JSON.parse('{ "b": [1, {"y": 2, "x": 1}], "a": "é" }');
    const b = { a: 'é', b: [1, { x: 1, y: 2 }] };
    expect(canonicalize(a)).toBe(canonicalize(b));
    expect(canonicalize(a)).toBe('{"a":"é","b":[1,{"x":1,"y":2}]}');
  });

  it('leaves out undefined members and serializes Dates through toJSON', () => {
    expect(canonicalize({ a: undefined, b: new Date(0) })).toBe('{"b":"1970-01-01T00:00:00.000Z"}');
  });

  it.each([
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate', 'a\udc00b'],
    ['a bigint', 1n],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['undefined in an array', [undefined]],
    ['undefined', undefined],
  ])('refuses %s with request_invalid', (_what, value) => {
    expect(() => canonicalize(value)).toThrow(expect.objectContaining({ code: 'request_invalid' }));
  });

  it('writes every string, name or value, exactly as JSON.stringify does around the characters it escapes', () => {
    // The boundaries of what JSON.stringify copies as is: every ASCII code unit (controls, '"', '\\', DEL), the ends
    // of the surrogate range, U+2028/U+2029, a paired surrogate, and each of them amid plain text.
    const units = [...Array.from({ length: 0x80 }, (_, i) => i), 0x80, 0x2028, 0x2029, 0xd7ff, 0xe000, 0xfeff, 0xffff];
    const strings = [...units.map((u) => String.fromCharCode(u)), '\ud83d\ude00', 'plain', ''];
    for (const s of [...strings, ...strings.map((c) => `ab${c}cd`)]) {
      expect(canonicalize(s)).toBe(JSON.stringify(s));
      expect(canonicalize({ [s]: s })).toBe(`{${JSON.stringify(s)}:${JSON.stringify(s)}}`);
    }
    expect(() => canonicalize({ ['a\udbff']: 1 })).toThrow(expect.objectContaining({ code: 'request_invalid' }));
  });

  it('refuses cycles but accepts the same object twice side by side', () => {
    const shared = { x: 1 };
    expect(canonicalize([shared, shared])).toBe('[{"x":1},{"x":1}]');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalize(cyclic)).toThrow(expect.objectContaining({ code: 'request_invalid' }));
  });
});
