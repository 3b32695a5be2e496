import type { IHeaders } from 'kafkajs';
import { headerValue } from './message-headers';

describe('headerValue', () => {
  it('reads a Buffer, a string or the first of several values as a string', () => {
    const headers: IHeaders = { a: Buffer.from('x'), b: 'y', c: [Buffer.from('z'), Buffer.from('w')] };
    expect([headerValue(headers, 'a'), headerValue(headers, 'b'), headerValue(headers, 'c')]).toEqual(['x', 'y', 'z']);
    expect(headerValue(headers, 'missing')).toBeUndefined();
    expect(headerValue(undefined, 'a')).toBeUndefined();
  });

  it('reads a header recorded with a null value (kafkajs decodes it as null) as absent, without throwing', () => {
    // The Kafka record format allows a null header value; whoever may produce to the topic can send one, and a
    // throw here would stop the consumer at that record again and again.
    const headers = { 'kopir-reply-to': null, 'kopir-correlation-id': [null] } as unknown as IHeaders;
    expect(headerValue(headers, 'kopir-reply-to')).toBeUndefined();
    expect(headerValue(headers, 'kopir-correlation-id')).toBeUndefined();
  });
});
