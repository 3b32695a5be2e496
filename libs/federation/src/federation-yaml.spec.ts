import { FederationInvalidError } from './errors';
import { FederationYaml, parseFederationYaml } from './federation-yaml';
import { sampleFederation } from './sample-federation.fixture';

const NOW = new Date('2026-06-01T10:00:00Z');
const sampleYaml = () => FederationYaml.fromDocument(sampleFederation(NOW)).toString();

function problemsOf(text: string): string[] {
  try {
    parseFederationYaml(text, 'federation.yaml');
  } catch (error) {
    if (error instanceof FederationInvalidError)
      return error.message
        .split('\n')
        .slice(1)
        .map((l) => l.trim());
    throw error;
  }
  throw new Error('expected the document to be refused');
}

/** The 1-based line of the first line of `text` that contains `needle` (after `after`, when given). */
function lineOf(text: string, needle: string, after = ''): number {
  const lines = text.split('\n');
  const start = after === '' ? 0 : lines.findIndex((l) => l.includes(after));
  return lines.findIndex((l, i) => i >= start && l.includes(needle)) + 1;
}

describe('FederationYaml', () => {
  it('round-trips the sample federation through YAML with its section comments', () => {
    const text = sampleYaml();
    expect(text).toContain('# Köpir federation document');
    expect(text).toContain('# Access rules. Deny by default');
    expect(parseFederationYaml(text)).toEqual(sampleFederation(NOW));
  });

  it('names the line and field of a field the service does not return', () => {
    const text = sampleYaml().replace('- citizenship\n      - address', '- citizenship\n      - salary');
    const problems = problemsOf(text);
    const line = lineOf(text, '- salary');
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(`^federation\\.yaml:${line}:\\d+ rules\\[0\\]\\.fields\\[7\\]: .*does not return salary`),
      ),
    ]);
  });

  it("takes a service's timeout in seconds and refuses one that is not a number in (0, 300]", () => {
    const withTimeout = (value: string) =>
      sampleYaml().replace(/^(\s+)topic: kopir\.req\.mju$/m, `$1topic: kopir.req.mju\n$1timeoutSeconds: ${value}`);
    expect(parseFederationYaml(withTimeout('2.5')).services[0]?.timeoutSeconds).toBe(2.5);
    for (const bad of ['0', '-1', '301', '"10s"']) {
      expect(problemsOf(withTimeout(bad)).join('\n')).toMatch(/services\[0\]\.timeoutSeconds: must be/);
    }
  });

  it('names the line of an unknown key, a missing field and a malformed value, all at once', () => {
    let text = sampleYaml();
    text = text.replace('dailyQuota: 200000', 'dailyQuota: 200000\n    dailyQuotta: 5');
    text = text.replace('  - id: psc-front-office.driving-licence-status', '  - id: "Bad Id"');
    text = text.replace(/grantedAt: (\S+)\n(\s+- id: psc-front-office\.vehicles-by-owner)/, '\n$2');
    const problems = problemsOf(text).join('\n');
    expect(problems).toContain(
      `federation.yaml:${lineOf(text, 'dailyQuotta')}:5 rules[0].dailyQuotta: is not a known field`,
    );
    expect(problems).toMatch(
      new RegExp(`federation\\.yaml:${lineOf(text, '"Bad Id"')}:\\d+ rules\\[1\\]\\.id: must match pattern`),
    );
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    const text = sampleYaml().replace('version: 1\n', 'version: 1\nversion: 2\n');
    expect(problemsOf(text)[0]).toMatch(/^federation\.yaml:\d+:\d+ \(document\): Map keys must be unique/);
    expect(problemsOf('agencies: [unclosed\n')[0]).toMatch(/^federation\.yaml:\d+:\d+/);
  });

  it('refuses broken references: unknown purpose, client, group member, officer without the role', () => {
    let text = sampleYaml();
    text = text.replace(
      'code: driving-licence-issue\n        legalBasis',
      'code: driving-licence-issues\n        legalBasis',
    );
    text = text.replace('client: mia/vehicles', 'client: mia/traffic-police');
    text = text.replace('grantedBy: officer', 'grantedBy: auditor');
    const problems = problemsOf(text).join('\n');
    expect(problems).toContain('rules[0].purposes[0].code: purpose driving-licence-issues is not defined');
    expect(problems).toContain('rules[7].client: mia/traffic-police is not a system of any agency');
    expect(problems).toContain('rules[0].grantedBy: auditor is not an officer with the security-officer role');
  });

  it('refuses a service whose topic is not its agency request topic, or whose schema is not a JSON Schema', () => {
    let text = sampleYaml();
    text = text.replace('topic: kopir.req.mia', 'topic: kopir.req.mju');
    text = text.replace(/request:\n(\s+)type: object/, 'request:\n$1type: objekt');
    const problems = problemsOf(text).join('\n');
    expect(problems).toMatch(/services\[3\]\.topic: must be kopir\.req\.mia/);
    expect(problems).toMatch(/services\[0\]\.request: is not a valid JSON Schema/);
  });

  it('adds and revokes rules in the YAML, keeping comments, and raises the version', () => {
    const yaml = FederationYaml.parse(sampleYaml());
    yaml.addRule({
      id: 'mju-population.vehicles-by-owner',
      client: 'mju/population',
      service: 'mia/vehicles/vehicles-by-owner',
      purposes: [{ code: 'vehicle-registration', legalBasis: 'test' }],
      fields: ['ownerIin'],
      grantedBy: 'officer',
      grantedAt: '2026-06-01T10:00:00Z',
    });
    expect(yaml.revokeRule('psc-front-office.person-by-iin', 'officer', NOW, 'test')).toBe(true);
    expect(yaml.revokeRule('no-such-rule', 'officer', NOW, undefined)).toBe(false);
    yaml.bumpVersion(NOW);
    const doc = yaml.toDocument();
    expect(doc.version).toBe(2);
    expect(doc.rules.at(-1)?.id).toBe('mju-population.vehicles-by-owner');
    expect(doc.rules[0]).toMatchObject({ revokedAt: '2026-06-01T10:00:00Z', revokedBy: 'officer' });
    expect(yaml.toString()).toContain('# Access rules. Deny by default');
  });
});
