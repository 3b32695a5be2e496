import { sampleFederation } from './sample-federation.fixture';
import { diffFederation } from './diff-federation';

describe('diffFederation', () => {
  const before = sampleFederation(new Date('2026-06-01T10:00:00Z'));

  it('finds nothing between a document and itself', () => {
    expect(diffFederation(before, before)).toEqual([]);
  });

  it('names added, removed and changed rules with the members that changed, and the version', () => {
    const [first, second, ...rest] = before.rules;
    const after = {
      ...before,
      version: 2,
      rules: [
        {
          ...first!,
          fields: [...first!.fields, 'nationality'],
          revokedAt: '2026-06-02T00:00:00Z',
          revokedBy: 'officer',
        },
        ...rest,
        { ...second!, id: 'new-rule' },
      ],
    };
    expect(diffFederation(before, after)).toEqual([
      { kind: 'changed', entity: 'rule', id: first!.id, members: ['fields', 'revokedAt', 'revokedBy'] },
      { kind: 'added', entity: 'rule', id: 'new-rule', members: [] },
      { kind: 'removed', entity: 'rule', id: second!.id, members: [] },
      { kind: 'changed', entity: 'document', id: 'kopir-dev', members: ['version'] },
    ]);
  });
});
