import { canonicalJson } from './canonical-json';

// RFC 8785's published vectors are tested where the implementation lives (libs/envelope/src/canonicalize.spec.ts);
// here: what the audit log relies on beyond them.
describe('canonicalJson', () => {
  it('refuses what has no canonical form as an invalid event: NaN, Infinity, lone surrogates, functions', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 'a\ud800b', { f: () => 1 }]) {
      expect(() => canonicalJson(bad)).toThrow(expect.objectContaining({ code: 'event_invalid' }));
    }
  });

  it('omits undefined members and sorts names, so optional fields never change a leaf', () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [true, null] })).toBe('{"b":1,"c":[true,null]}');
  });
});
