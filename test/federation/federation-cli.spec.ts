/**
 * The officer's workflow through the real CLI, on files in a temporary folder: a development PKI, `federation init`
 * filled from it, validate, sign, explain, grant, diff, sign again, revoke; and the refusals along the way.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kopir } from '../cli/kopir';

let dir: string;
let pki: string;
let yaml: string;
let jws: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kopir-federation-cli-'));
  pki = join(dir, 'pki');
  yaml = join(dir, 'federation.yaml');
  jws = join(dir, 'federation.jws');
  expect((await kopir('pki', 'init', '--dir', pki)).code).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kopir federation and rules', () => {
  it('initialises the development federation with keys and fingerprints from the PKI', async () => {
    const init = await kopir('federation', 'init', '--file', yaml, '--pki', pki);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/filled from .*: \d+ fingerprints and keys/);
    const text = readFileSync(yaml, 'utf8');
    expect(text).toMatch(/tlsCertificateSha256: [0-9a-f]{64}/);
    expect(text).toContain('signingKeys:');
    expect((await kopir('federation', 'init', '--file', yaml, '--pki', pki)).code).toBe(2);
  });

  it('validates, signs and shows the signed document', async () => {
    const valid = await kopir('federation', 'validate', '--file', yaml);
    expect(valid.stdout).toMatch(/^valid: federation kopir-dev version 1/);
    const sign = await kopir('federation', 'sign', '--file', yaml, '--out', jws, '--pki', pki);
    expect(sign.code).toBe(0);
    expect(sign.stdout).toMatch(/^signed version 1 \(authority key [\w-]{43}\)/);
    const checked = await kopir('federation', 'validate', '--signed', jws, '--pki', pki);
    expect(checked.stdout).toContain('signature valid');
    const show = await kopir('federation', 'show', '--signed', jws, '--pki', pki);
    expect(show.stdout).toContain('mju/population/person-by-iin');
    expect(show.stdout).toContain('psc-front-office.person-by-iin');
  });

  it('explains an allowed request and a denied one, telling the caller less than the officer', async () => {
    const allowed = await kopir(
      'rules',
      'explain',
      '--file',
      yaml,
      '--client',
      'psc/front-office',
      '--service',
      'mju/population/person-by-iin',
      '--purpose',
      'driving-licence-issue',
    );
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/^ALLOWED: psc\/front-office → mju\/population\/person-by-iin/);
    expect(allowed.stdout).toContain('allowing rule psc-front-office.person-by-iin');
    expect(allowed.stdout).toContain('On Road Traffic');

    const denied = await kopir(
      'rules',
      'explain',
      '--signed',
      jws,
      '--pki',
      pki,
      '--client',
      'psc/front-office',
      '--service',
      'src/tax/tax-debts',
      '--purpose',
      'social-benefit-check',
    );
    expect(denied.stdout).toMatch(/^DENIED \(purpose_not_allowed\)/);
    const caller = /the caller is told: (.*)/.exec(denied.stdout)?.[1] ?? '';
    expect(caller).not.toContain('tax-clearance-certificate');
    expect(denied.stdout).toContain('allows only purposes tax-clearance-certificate');
  });

  it('grants a rule (version raised), shows it in the diff, and refuses to sign over a higher version', async () => {
    const grant = await kopir(
      'rules',
      'grant',
      '--file',
      yaml,
      '--client',
      'psc/front-office',
      '--service',
      'mju/population/address-history',
      '--purpose',
      'address-registration',
      '--legal-basis',
      'Rules of population registration, para. 12',
      '--fields',
      'iin,addresses',
      '--rate',
      '5',
      '--daily',
      '1000',
      '--by',
      'officer',
    );
    expect(grant.stderr).toBe('');
    expect(grant.stdout).toMatch(/granted rule psc-front-office\.address-history; .* is now version 2/);
    const diff = await kopir('federation', 'diff', jws, yaml, '--pki', pki);
    expect(diff.stdout).toContain('+ rule psc-front-office.address-history');
    expect(diff.stdout).toMatch(/~ document kopir-dev: (issuedAt, )?version/);

    const explain = await kopir(
      'rules',
      'explain',
      '--file',
      yaml,
      '--client',
      'psc/front-office',
      '--service',
      'mju/population/address-history',
      '--purpose',
      'address-registration',
    );
    expect(explain.stdout).toMatch(/^ALLOWED/);
    expect((await kopir('federation', 'sign', '--file', yaml, '--out', jws, '--pki', pki)).stdout).toMatch(
      /^signed version 2/,
    );

    // A document edited by hand without raising the version cannot be signed over version 2.
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('dailyQuota: 1000', 'dailyQuota: 5000'));
    const refused = await kopir('federation', 'sign', '--file', yaml, '--out', jws, '--pki', pki);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('raise');
  });

  it('revokes a rule, after which explain denies with rule_revoked', async () => {
    const revoke = await kopir(
      'rules',
      'revoke',
      'psc-front-office.person-by-iin',
      '--file',
      yaml,
      '--by',
      'officer',
      '--reason',
      'audit finding',
    );
    expect(revoke.stdout).toMatch(/revoked rule psc-front-office\.person-by-iin; .* is now version 3/);
    const explain = await kopir(
      'rules',
      'explain',
      '--file',
      yaml,
      '--at',
      new Date(Date.now() + 1000).toISOString(),
      '--client',
      'psc/front-office',
      '--service',
      'mju/population/person-by-iin',
      '--purpose',
      'driving-licence-issue',
    );
    expect(explain.stdout).toMatch(/^DENIED \(rule_revoked\)/);
    expect(explain.stdout).toContain('audit finding');
    const list = await kopir('rules', 'list', '--file', yaml, '--client', 'psc/front-office');
    expect(list.stdout).toMatch(/psc-front-office\.person-by-iin .* revoked/);
    expect(list.stdout).toMatch(/psc-offices\.taxpayer-status .*group psc-offices/);
  });

  it('refuses a grant that names a field the service does not return, writing nothing', async () => {
    const before = readFileSync(yaml, 'utf8');
    const grant = await kopir(
      'rules',
      'grant',
      '--file',
      yaml,
      '--client',
      'psc/front-office',
      '--service',
      'src/tax/tax-debts',
      '--purpose',
      'social-benefit-check',
      '--legal-basis',
      'x',
      '--fields',
      'iin,salary',
      '--by',
      'officer',
    );
    expect(grant.code).toBe(2);
    expect(grant.stderr).toMatch(/fields\[1\]: src\/tax\/tax-debts does not return salary/);
    expect(readFileSync(yaml, 'utf8')).toBe(before);
  });

  it('names the line and field of a mistake in the YAML', async () => {
    const broken = join(dir, 'broken.yaml');
    const text = readFileSync(yaml, 'utf8').replace('    clientGroup: psc-offices', '    clientGroup: psc-ofices');
    writeFileSync(broken, text);
    const line = text.split('\n').findIndex((l) => l.includes('psc-ofices')) + 1;
    const result = await kopir('federation', 'validate', '--file', broken);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`broken.yaml:${line}:18 rules[4].clientGroup: group psc-ofices is not defined`);
  });
});
