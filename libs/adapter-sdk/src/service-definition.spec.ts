import { serviceDefinition } from './service-definition';

describe('serviceDefinition', () => {
  const contract = {
    id: 'moh/health/record-by-iin',
    description: 'Clinic registration of a person',
    request: { type: 'object' },
    fields: ['iin', { name: 'diagnosis', sensitivity: 'sensitive' as const }],
  };

  it("fills in the agency's request topic, version 1.0.0, an object answer and personal fields", () => {
    expect(serviceDefinition(contract)).toEqual({
      id: 'moh/health/record-by-iin',
      version: '1.0.0',
      description: 'Clinic registration of a person',
      topic: 'kopir.req.moh',
      request: { type: 'object' },
      response: { type: 'object' },
      fields: [
        { name: 'iin', sensitivity: 'personal' },
        { name: 'diagnosis', sensitivity: 'sensitive' },
      ],
    });
  });

  it('carries a timeout of its own only when the author gives one', () => {
    expect(serviceDefinition({ ...contract, timeoutSeconds: 30 }).timeoutSeconds).toBe(30);
    expect('timeoutSeconds' in serviceDefinition(contract)).toBe(false);
  });
});
