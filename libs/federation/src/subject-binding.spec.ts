import { assertSubjectBound } from './subject-binding';

describe('assertSubjectBound', () => {
  const byIin = { subjectField: 'iin' };

  it('accepts a subject that is exactly the named member of the body', () => {
    expect(() => assertSubjectBound(byIin, '900101300123', { iin: '900101300123' })).not.toThrow();
  });

  it.each([
    ['another person', { iin: '850505400456' }],
    ['no such member', { plate: '123ABC02' }],
    ['the member as a number', { iin: 900101300123 }],
    ['a body that is not an object', ['900101300123']],
    ['no body', null],
  ])('refuses %s with request_invalid, naming the member but no value', (_what, body) => {
    let thrown: unknown;
    try {
      assertSubjectBound(byIin, '900101300123', body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: 'request_invalid',
      message: 'Kopir-Subject must be the request body\'s "iin"',
    });
  });

  it('leaves a service without subjectField to the caller’s declaration', () => {
    expect(() => assertSubjectBound({}, 'anyone', { plate: '123ABC02' })).not.toThrow();
  });
});
