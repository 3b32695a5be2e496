import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAgencyCode, requestTopic } from '@kopir/contracts';
import { jwkToPublicKey, keyThumbprint, type PublicJwk } from '@kopir/pki';
import { OFFICER_URI_PREFIX, type FederationDocument, type SystemDefinition } from './federation-document';
import { FEDERATION_SCHEMA } from './federation.schema';

export type Path = readonly (string | number)[];

/** A problem before it is given a line: the path is kept as segments so the YAML node can be found. */
export interface RawProblem {
  readonly path: Path;
  readonly message: string;
  /** Point at the key of the last segment rather than its value (an unknown key). */
  readonly atKey?: boolean;
}

/** `rules[3].fields[1]` */
export function pathText(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, logger: false });
  addFormats(ajv);
  return ajv;
}

let documentValidator: ValidateFunction | undefined;

/** Ajv for the services' own request/response schemas (the gateway validates bodies with it, see serviceValidators). */
export function schemaCompiler(): Ajv {
  return newAjv();
}

/**
 * Checks a parsed federation document: its structure against FEDERATION_SCHEMA, then every reference between its
 * parts. Returns every problem found (an officer fixes them all in one go), each with the path of the field.
 */
export function checkFederation(value: unknown): RawProblem[] {
  documentValidator ??= newAjv().compile(FEDERATION_SCHEMA);
  if (!documentValidator(value)) return (documentValidator.errors ?? []).map(fromAjv);
  return checkReferences(value as FederationDocument);
}

function fromAjv(error: ErrorObject): RawProblem {
  const path: (string | number)[] = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    return { path: [...path, String(params.missingProperty)], message: 'is required' };
  }
  if (error.keyword === 'additionalProperties') {
    return { path: [...path, String(params.additionalProperty)], message: 'is not a known field', atKey: true };
  }
  if (error.keyword === 'enum') {
    const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
    return { path, message: `must be one of ${allowed}` };
  }
  return { path, message: error.message ?? 'is invalid' };
}

function checkReferences(doc: FederationDocument): RawProblem[] {
  const problems: RawProblem[] = [];
  const problem = (path: Path, message: string) => problems.push({ path, message });
  const unique = <T>(items: readonly T[], key: (item: T) => string, at: (i: number) => Path, what: string) => {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      const first = seen.get(k);
      if (first === undefined) seen.set(k, i);
      else problem(at(i), `${what} ${k} is already defined at index ${first}`);
    });
    return new Set(seen.keys());
  };

  if (Date.parse(doc.expiresAt) <= Date.parse(doc.issuedAt)) problem(['expiresAt'], 'must be after issuedAt');

  const agencies = unique(
    doc.agencies,
    (a) => a.code,
    (i) => ['agencies', i, 'code'],
    'agency',
  );
  const systems = new Set<string>();
  doc.agencies.forEach((agency, a) =>
    agency.systems.forEach((system, s) => {
      const at: Path = ['agencies', a, 'systems', s, 'id'];
      if (!system.id.startsWith(`${agency.code}/`))
        problem(at, `system ${system.id} must belong to agency ${agency.code}`);
      if (systems.has(system.id)) problem(at, `system ${system.id} is defined twice`);
      systems.add(system.id);
      checkSigningKeys(system.signingKeys ?? [], ['agencies', a, 'systems', s, 'signingKeys']);
      if (system.encryptionKey !== undefined) {
        checkEncryptionKey(system.encryptionKey, system.signingKeys ?? [], ['agencies', a, 'systems', s]);
      }
    }),
  );
  unique(
    doc.gateways ?? [],
    (g) => g.id,
    (i) => ['gateways', i, 'id'],
    'gateway',
  );
  (doc.gateways ?? []).forEach((gateway, g) => checkSigningKeys(gateway.signingKeys, ['gateways', g, 'signingKeys']));
  function checkSigningKeys(keys: readonly PublicJwk[], at: Path): void {
    keys.forEach((jwk, k) => {
      const where: Path = [...at, k];
      try {
        // The kid must be the key's RFC 7638 thumbprint: verifiers pick keys by kid, so a kid that names another
        // key would let one system's key stand in for another's.
        const thumbprint = keyThumbprint(jwkToPublicKey(jwk));
        if (jwk.kid !== thumbprint) problem([...where, 'kid'], `must be the key's RFC 7638 thumbprint ${thumbprint}`);
      } catch (error) {
        problem(where, `is not a usable public key: ${(error as Error).message}`);
      }
    });
  }
  /** An ECDH-ES recipient key (RFC 7518 §4.6): EC P-256 or P-384, its kid its thumbprint, and not a signing key. */
  function checkEncryptionKey(jwk: PublicJwk, signingKeys: readonly PublicJwk[], owner: Path): void {
    const where: Path = [...owner, 'encryptionKey'];
    if (jwk.kty !== 'EC' || (jwk.crv !== 'P-256' && jwk.crv !== 'P-384')) {
      problem(where, 'must be an EC P-256 or P-384 key (ECDH-ES)');
      return;
    }
    try {
      const thumbprint = keyThumbprint(jwkToPublicKey(jwk));
      if (jwk.kid !== thumbprint) problem([...where, 'kid'], `must be the key's RFC 7638 thumbprint ${thumbprint}`);
      // One key, one purpose: a key that signs must not also decrypt (RFC 7517 §4.2 "use" makes the same point).
      if (signingKeys.some((k) => k.kid === thumbprint)) problem(where, 'must not be one of the signing keys');
    } catch (error) {
      problem(where, `is not a usable public key: ${(error as Error).message}`);
    }
  }
  const purposes = unique(
    doc.purposes,
    (p) => p.code,
    (i) => ['purposes', i, 'code'],
    'purpose',
  );
  const groups = unique(
    doc.groups ?? [],
    (g) => g.id,
    (i) => ['groups', i, 'id'],
    'group',
  );
  (doc.groups ?? []).forEach((group, g) =>
    group.members.forEach((member, m) => {
      if (!systems.has(member)) problem(['groups', g, 'members', m], `${member} is not a system of any agency`);
    }),
  );

  const serviceFields = new Map<string, Set<string>>();
  unique(
    doc.services,
    (s) => s.id,
    (i) => ['services', i, 'id'],
    'service',
  );
  const ajv = schemaCompiler();
  doc.services.forEach((service, i) => {
    const [agency, system] = service.id.split('/') as [string, string];
    if (!systems.has(`${agency}/${system}`)) {
      problem(['services', i, 'id'], `provider system ${agency}/${system} is not a system of any agency`);
    }
    if (agencies.has(agency) && service.topic !== requestTopic(parseAgencyCode(agency))) {
      problem(
        ['services', i, 'topic'],
        `must be ${requestTopic(parseAgencyCode(agency))}, the request topic of ${agency}`,
      );
    }
    for (const part of ['request', 'response'] as const) {
      try {
        ajv.compile(service[part]);
      } catch (error) {
        problem(['services', i, part], `is not a valid JSON Schema: ${(error as Error).message}`);
      }
    }
    const names = unique(
      service.fields,
      (f) => f.name,
      (f) => ['services', i, 'fields', f, 'name'],
      'field',
    );
    serviceFields.set(service.id, names);
  });
  checkEncryptionRequirements(doc, problem);

  unique(
    doc.officers,
    (o) => o.id,
    (i) => ['officers', i, 'id'],
    'officer',
  );
  doc.officers.forEach((officer, i) => {
    if (!agencies.has(officer.agency)) problem(['officers', i, 'agency'], `agency ${officer.agency} is not defined`);
    if (officer.certificateIdentity !== `${OFFICER_URI_PREFIX}${officer.id}`) {
      problem(['officers', i, 'certificateIdentity'], `must be ${OFFICER_URI_PREFIX}${officer.id}`);
    }
  });
  const securityOfficers = new Set(doc.officers.filter((o) => o.roles.includes('security-officer')).map((o) => o.id));

  unique(
    doc.rules,
    (r) => r.id,
    (i) => ['rules', i, 'id'],
    'rule',
  );
  doc.rules.forEach((rule, i) => {
    const at = (...rest: (string | number)[]): Path => ['rules', i, ...rest];
    if ((rule.client === undefined) === (rule.clientGroup === undefined)) {
      problem(at(rule.client === undefined ? 'id' : 'clientGroup'), 'name exactly one of client and clientGroup');
    }
    if (rule.client !== undefined && !systems.has(rule.client)) {
      problem(at('client'), `${rule.client} is not a system of any agency`);
    }
    if (rule.clientGroup !== undefined && !groups.has(rule.clientGroup)) {
      problem(at('clientGroup'), `group ${rule.clientGroup} is not defined`);
    }
    const fields = serviceFields.get(rule.service);
    if (fields === undefined) problem(at('service'), `service ${rule.service} is not defined`);
    rule.fields.forEach((field, f) => {
      if (fields !== undefined && !fields.has(field))
        problem(at('fields', f), `${rule.service} does not return ${field}`);
    });
    rule.purposes.forEach((purpose, p) => {
      if (!purposes.has(purpose.code)) problem(at('purposes', p, 'code'), `purpose ${purpose.code} is not defined`);
    });
    if (!securityOfficers.has(rule.grantedBy)) {
      problem(at('grantedBy'), `${rule.grantedBy} is not an officer with the security-officer role`);
    }
    if (rule.revokedAt !== undefined || rule.revokedBy !== undefined) {
      if (rule.revokedAt === undefined) problem(at('revokedAt'), 'is required when revokedBy is set');
      if (rule.revokedBy === undefined) problem(at('revokedBy'), 'is required when revokedAt is set');
      else if (!securityOfficers.has(rule.revokedBy)) {
        problem(at('revokedBy'), `${rule.revokedBy} is not an officer with the security-officer role`);
      }
    }
    if (rule.validFrom !== undefined && rule.validUntil !== undefined) {
      if (Date.parse(rule.validUntil) <= Date.parse(rule.validFrom))
        problem(at('validUntil'), 'must be after validFrom');
    }
  });
  return problems;
}

/**
 * Encrypted bodies need the provider's key: the gateway encrypts the request body to it, and the answer comes back
 * under a key both ends derive from that key agreement (docs/security.md), so gateways need none. A requirement
 * without the provider's key would refuse every call.
 */
function checkEncryptionRequirements(doc: FederationDocument, problem: (path: Path, message: string) => void): void {
  const systems = new Map<string, { system: SystemDefinition; at: Path }>();
  doc.agencies.forEach((agency, a) =>
    agency.systems.forEach((system, s) => systems.set(system.id, { system, at: ['agencies', a, 'systems', s] })),
  );
  for (const { system, at } of systems.values()) {
    if (system.encryptBodies === true && system.encryptionKey === undefined) {
      problem([...at, 'encryptBodies'], `system ${system.id} requires encrypted bodies but publishes no encryptionKey`);
    }
  }
  for (const [i, service] of doc.services.entries()) {
    const provider = systems.get(service.id.split('/').slice(0, 2).join('/'));
    if (service.encryptBodies !== true && provider?.system.encryptBodies !== true) continue;
    // A system that requires encryption for all its services is reported once, above.
    if (
      provider !== undefined &&
      provider.system.encryptBodies !== true &&
      provider.system.encryptionKey === undefined
    ) {
      problem(
        ['services', i, 'encryptBodies'],
        `service ${service.id} requires encrypted bodies but its provider ${provider.system.id} publishes no encryptionKey`,
      );
    }
  }
}
