import { KopirError } from './kopir-error';
import { parseServiceId, parseSystemId, systemFromUri, systemUri } from './identifiers';
import { problemDetails } from './problem-details';
import { ERROR_CODES } from './error-codes';

describe('identifiers', () => {
  it('parses a service id into agency, provider system and service', () => {
    expect(parseServiceId('mju/population/person-by-iin')).toEqual({
      id: 'mju/population/person-by-iin',
      agency: 'mju',
      system: 'population',
      provider: 'mju/population',
      service: 'person-by-iin',
    });
  });

  it.each([
    '',
    'MJU/population',
    'mju',
    'mju/population/',
    '../etc/passwd',
    'mju/po pulation',
    'a/bb',
    'mju/x'.repeat(20),
  ])('refuses malformed system id %j with request_invalid', (bad) => {
    expect(() => parseSystemId(bad)).toThrow(KopirError);
    expect(() => parseSystemId(bad)).toThrow(expect.objectContaining({ code: 'request_invalid' }));
  });

  it('round-trips system ids through SAN URIs and refuses foreign URIs', () => {
    const { id } = parseSystemId('psc/front-office');
    expect(systemFromUri(systemUri(id))).toBe('psc/front-office');
    expect(systemFromUri('urn:other:psc/front-office')).toBeUndefined();
    expect(systemFromUri('urn:kopir:system:psc/front-office/extra')).toBeUndefined();
  });
});

describe('problemDetails', () => {
  it('maps a KopirError to RFC 9457 members with its stable code and status', () => {
    const body = problemDetails(new KopirError('access_denied', 'No rule allows it'), { requestId: 'r1' });
    expect(body).toEqual({
      type: 'urn:kopir:problem:access_denied',
      title: 'Access denied',
      status: 403,
      detail: 'No rule allows it',
      code: 'access_denied',
      retriable: false,
      requestId: 'r1',
    });
  });

  it('never leaks the message or stack of an unexpected error', () => {
    const body = problemDetails(new Error('SQLITE_CORRUPT at /var/lib/secret.db'));
    expect(body.code).toBe('internal_error');
    expect(body.status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('secret');
  });

  it('gives every documented code a 4xx or 5xx status', () => {
    for (const info of Object.values(ERROR_CODES)) expect(info.status).toBeGreaterThanOrEqual(400);
  });
});
