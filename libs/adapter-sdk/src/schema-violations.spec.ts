import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { describeViolations, schemaViolations } from './schema-violations';

const IIN = '900101300012';

function check(schema: Record<string, unknown>, value: unknown): string {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, logger: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  expect(validate(value)).toBe(false);
  return describeViolations(schemaViolations(schema, validate.errors ?? []));
}

describe('schemaViolations', () => {
  const person = {
    type: 'object',
    additionalProperties: false,
    required: ['iin'],
    properties: {
      iin: { type: 'string', pattern: '^[0-9]{12}$' },
      lastName: { type: 'string' },
      birthDate: { anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }] },
      vehicles: {
        type: 'array',
        items: { type: 'object', required: ['plate'], properties: { plate: { type: 'string' } } },
      },
      debtsByIin: { type: 'object', additionalProperties: { type: 'string', pattern: '^[0-9]+\\.[0-9]{2}$' } },
    },
  };

  it('names the declared path and the keyword of a wrong type, a missing member and a bad format', () => {
    const told = check(person, {
      iin: IIN,
      lastName: 42,
      birthDate: '31.12.1990',
      vehicles: [{ plate: '123ABC02' }, { vin: 'WVWZZZ1JZXW000001' }],
    });
    expect(told).toContain('/lastName type');
    expect(told).toContain('/birthDate format');
    expect(told).toContain('/birthDate anyOf');
    expect(told).toContain('/vehicles/1/plate required');
    expect(told).not.toMatch(/31\.12|WVWZZZ|42/);
  });

  it('shows an undeclared member name as *: a name the schema does not hold may itself be data', () => {
    const told = check(person, { iin: IIN, [`passport-${IIN}`]: 'N1234567', debtsByIin: { [IIN]: 'a lot' } });
    expect(told).toContain('/* additionalProperties');
    expect(told).toContain('/debtsByIin/* pattern');
    expect(told).not.toContain(IIN);
    expect(told).not.toMatch(/passport|N1234567|a lot/);
  });

  it('does not take a numeric key for an array position outside an array schema', () => {
    const told = check(person, { iin: IIN, debtsByIin: { '900101300012': 1 } });
    expect(told).toBe('/debtsByIin/* type');
  });

  it('lists at most ten violations, then how many more', () => {
    const list = { type: 'array', items: { type: 'string' } };
    const told = check(
      list,
      Array.from({ length: 13 }, (_, i) => i),
    );
    expect(told.split('; ')).toHaveLength(11);
    expect(told).toMatch(/^\/0 type; .*; \/9 type; and 3 more$/);
  });
});
