import { escapeRfc2253 } from './kafka-principal';

describe('escapeRfc2253 (RFC 2253 §2.4), as Kafka principals spell attribute values', () => {
  it('leaves plain values as they are', () => {
    expect(escapeRfc2253('Kopir Intranet')).toBe('Kopir Intranet');
    expect(escapeRfc2253('adapter-mju')).toBe('adapter-mju');
    expect(escapeRfc2253('psc/front-office')).toBe('psc/front-office');
  });

  it('escapes the separators, so a value cannot add an attribute to the name', () => {
    expect(escapeRfc2253('a,OU=kafka')).toBe('a\\,OU=kafka');
    expect(escapeRfc2253('a+CN=b')).toBe('a\\+CN=b');
    expect(escapeRfc2253('x;User:y')).toBe('x\\;User:y');
    expect(escapeRfc2253('"<q>"\\')).toBe('\\"\\<q\\>\\"\\\\');
  });

  it('escapes a leading # or space and a trailing space', () => {
    expect(escapeRfc2253('#tag')).toBe('\\#tag');
    expect(escapeRfc2253(' lead')).toBe('\\ lead');
    expect(escapeRfc2253('trail ')).toBe('trail\\ ');
    expect(escapeRfc2253('in#side')).toBe('in#side');
  });
});
