import type { AccessRule, FederationDocument, ServiceDefinition } from '@kopir/federation';
import { REFERENCE_SERVICES, referenceServiceDefinition } from './services';

/**
 * The reference federation of the development deployment (`kopir federation init`): Public Service Centres (psc)
 * consume; the population registry (mju/population), the vehicle registry (mia/vehicles) and the tax registry
 * (src/tax) provide. Its services are the reference registries' own definitions (REFERENCE_SERVICES), so the
 * schemas and field names the gateway and the officers see are the ones the registries answer with. Besides the
 * rules that make the demo work it holds combinations denied on purpose, each listed in DEVELOPMENT_DENIALS, which
 * the tests and the demo rely on.
 *
 * Every registry requires encrypted bodies (`encryptBodies`): requests and answers cross Kafka only as JWE, since
 * every one of them carries personal data (measured cost: docs/security.md, "Encrypted bodies"). Keys and
 * certificate fingerprints are left out here; `federation init --pki certs/dev` fills them in, and the document is
 * valid only with them (an encrypted service needs its provider's encryption key; gateways need none).
 */
const DAY = 86_400_000;

export const DEVELOPMENT_SERVICES: readonly ServiceDefinition[] =
  Object.values(REFERENCE_SERVICES).map(referenceServiceDefinition);

/** Legal bases (citations of the Republic of Kazakhstan's acts as the rules record them). */
const LAW = {
  roadTraffic: 'Law of the RK "On Road Traffic" No. 194-V of 17.04.2014, art. 70 (issue of driving licences)',
  vehicles: 'Law of the RK "On Road Traffic" No. 194-V of 17.04.2014, art. 65 (registration of vehicles)',
  socialCode: 'Social Code of the RK No. 224-VII of 20.04.2023, art. 8 (eligibility for state benefits)',
  taxCode: 'Tax Code of the RK No. 120-VI of 25.12.2017, art. 114 (certificate of absence of tax debts)',
  personalData: 'Law of the RK "On Personal Data and Their Protection" No. 94-V of 21.05.2013, art. 9',
  addresses: 'Rules of population registration, Government Decree No. 1214 of 30.12.2011',
};

/** What the development federation deliberately does not allow, with the reason the policy gives. */
export const DEVELOPMENT_DENIALS = [
  {
    client: 'psc/front-office',
    service: 'src/tax/tax-debts',
    purpose: 'social-benefit-check',
    fields: undefined,
    reason: 'purpose_not_allowed',
  },
  {
    client: 'psc/front-office',
    service: 'mju/population/person-by-iin',
    purpose: 'driving-licence-issue',
    fields: ['iin', 'birthPlace'],
    reason: 'field_not_allowed',
  },
  {
    client: 'psc/front-office',
    service: 'mia/vehicles/driving-licence-status',
    purpose: 'driving-licence-issue',
    fields: ['iin', 'status', 'statusReason'],
    reason: 'field_not_allowed',
  },
  {
    client: 'psc/front-office',
    service: 'mju/population/family-relations',
    purpose: 'social-benefit-check',
    fields: undefined,
    reason: 'rule_expired',
  },
  {
    client: 'src/tax',
    service: 'mju/population/address-history',
    purpose: 'tax-clearance-certificate',
    fields: undefined,
    reason: 'rule_revoked',
  },
  {
    client: 'psc/front-office',
    service: 'mia/vehicles/vehicle-by-plate',
    purpose: 'driving-licence-issue',
    fields: undefined,
    reason: 'purpose_not_allowed',
  },
  {
    client: 'mju/population',
    service: 'src/tax/tax-debts',
    purpose: 'social-benefit-check',
    fields: undefined,
    reason: 'no_rule',
  },
] as const;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The development federation document, issued at `now` and valid for 90 days (re-sign it with `federation sign`
 * after `rules grant|revoke`; `kopir up` re-creates it when it has expired).
 */
export function developmentFederation(now: Date = new Date()): FederationDocument {
  const t = Math.floor(now.getTime() / 1000) * 1000;
  const granted = { grantedBy: 'officer', grantedAt: iso(t) };
  const rules: AccessRule[] = [
    {
      id: 'psc-front-office.person-by-iin',
      client: 'psc/front-office',
      service: 'mju/population/person-by-iin',
      purposes: [
        { code: 'driving-licence-issue', legalBasis: LAW.roadTraffic },
        { code: 'vehicle-registration', legalBasis: LAW.vehicles },
        { code: 'social-benefit-check', legalBasis: LAW.socialCode },
      ],
      // Not birthPlace nor deathDate: none of these purposes needs them (whether the person has died, it does).
      fields: ['iin', 'lastName', 'firstName', 'patronymic', 'birthDate', 'sex', 'citizenship', 'address', 'deceased'],
      rateLimit: { perSecond: 50, burst: 100 },
      dailyQuota: 200_000,
      ...granted,
    },
    {
      id: 'psc-front-office.driving-licence-status',
      client: 'psc/front-office',
      service: 'mia/vehicles/driving-licence-status',
      purposes: [{ code: 'driving-licence-issue', legalBasis: LAW.roadTraffic }],
      // Not statusReason: why a licence was suspended or revoked may reveal an offence or a medical condition;
      // the status is what the centre acts on.
      fields: ['iin', 'licenceNumber', 'categories', 'issuedOn', 'expiresOn', 'status', 'validToday'],
      rateLimit: { perSecond: 20, burst: 40 },
      dailyQuota: 50_000,
      ...granted,
    },
    {
      id: 'psc-front-office.vehicles-by-owner',
      client: 'psc/front-office',
      service: 'mia/vehicles/vehicles-by-owner',
      purposes: [{ code: 'vehicle-registration', legalBasis: LAW.vehicles }],
      fields: ['ownerIin', 'vehicles'],
      rateLimit: { perSecond: 20, burst: 40 },
      dailyQuota: 50_000,
      ...granted,
    },
    {
      id: 'psc-front-office.vehicle-by-plate',
      client: 'psc/front-office',
      service: 'mia/vehicles/vehicle-by-plate',
      purposes: [{ code: 'vehicle-registration', legalBasis: LAW.vehicles }],
      // With status: a wanted or impounded vehicle cannot change owner, and the centre must turn the application down.
      fields: ['vin', 'plate', 'make', 'model', 'year', 'colour', 'ownerIin', 'registeredOn', 'status'],
      rateLimit: { perSecond: 20, burst: 40 },
      dailyQuota: 50_000,
      ...granted,
    },
    {
      id: 'psc-offices.taxpayer-status',
      clientGroup: 'psc-offices',
      service: 'src/tax/taxpayer-status',
      purposes: [{ code: 'social-benefit-check', legalBasis: LAW.socialCode }],
      // Not hasDebt nor totalDebt: tax secrecy; benefit eligibility does not depend on debts (see tax-debts).
      fields: ['iin', 'status', 'category'],
      rateLimit: { perSecond: 10, burst: 20 },
      dailyQuota: 20_000,
      ...granted,
    },
    {
      id: 'psc-front-office.tax-debts',
      client: 'psc/front-office',
      service: 'src/tax/tax-debts',
      // Only for the certificate of no tax debts the citizen asks for; not to screen benefit applicants.
      purposes: [{ code: 'tax-clearance-certificate', legalBasis: LAW.taxCode }],
      // The total only: the certificate states whether anything is owed, not the itemised debts.
      fields: ['iin', 'currency', 'totalDebt'],
      rateLimit: { perSecond: 5, burst: 10 },
      dailyQuota: 10_000,
      ...granted,
    },
    {
      id: 'psc-front-office.family-relations.pilot',
      client: 'psc/front-office',
      service: 'mju/population/family-relations',
      purposes: [{ code: 'social-benefit-check', legalBasis: LAW.socialCode }],
      fields: ['iin', 'relations'],
      // A pilot that ended: kept for the record; it allows nothing any more.
      validFrom: iso(t - 365 * DAY),
      validUntil: iso(t - 30 * DAY),
      ...granted,
      grantedAt: iso(t - 366 * DAY),
    },
    {
      id: 'mia-vehicles.person-by-iin',
      client: 'mia/vehicles',
      service: 'mju/population/person-by-iin',
      purposes: [{ code: 'vehicle-registration', legalBasis: LAW.vehicles }],
      fields: ['iin', 'lastName', 'firstName', 'patronymic', 'birthDate', 'deceased'],
      rateLimit: { perSecond: 20, burst: 40 },
      dailyQuota: 50_000,
      ...granted,
    },
    {
      id: 'src-tax.address-history',
      client: 'src/tax',
      service: 'mju/population/address-history',
      purposes: [{ code: 'tax-clearance-certificate', legalBasis: LAW.addresses }],
      fields: ['iin', 'addresses'],
      ...granted,
      grantedAt: iso(t - 200 * DAY),
      revokedAt: iso(t - DAY),
      revokedBy: 'officer',
      revocationReason: 'not necessary for the purpose (data minimisation review)',
    },
  ];
  return {
    federation: 'kopir-dev',
    version: 1,
    issuedAt: iso(t),
    expiresAt: iso(t + 90 * DAY),
    agencies: [
      {
        code: 'psc',
        name: 'Public Service Centres (State Corporation "Government for Citizens")',
        systems: [{ id: 'psc/front-office', name: 'Front office of the public service centres' }],
      },
      {
        code: 'mju',
        name: 'Ministry of Justice',
        systems: [{ id: 'mju/population', name: 'National population registry', encryptBodies: true }],
      },
      {
        code: 'mia',
        name: 'Ministry of Internal Affairs',
        systems: [{ id: 'mia/vehicles', name: 'Vehicle and driving licence registry', encryptBodies: true }],
      },
      {
        code: 'src',
        name: 'State Revenue Committee of the Ministry of Finance',
        systems: [{ id: 'src/tax', name: 'Taxpayer registry', encryptBodies: true }],
      },
    ],
    purposes: [
      { code: 'driving-licence-issue', description: 'Issue, exchange or renewal of a driving licence' },
      { code: 'vehicle-registration', description: 'Registration or change of owner of a vehicle' },
      { code: 'social-benefit-check', description: 'Checking eligibility for a state social benefit' },
      {
        code: 'tax-clearance-certificate',
        description: "Certificate of absence of tax debts, at the citizen's request",
      },
      { code: 'address-registration', description: 'Registration at a place of residence' },
    ],
    groups: [
      {
        id: 'psc-offices',
        description: 'Every system of the public service centres (front offices, and regional offices as they join)',
        members: ['psc/front-office'],
      },
    ],
    services: DEVELOPMENT_SERVICES,
    rules,
    gateways: [{ id: 'gateway', name: 'Köpir gateway (development)', signingKeys: [] }],
    officers: [
      {
        id: 'officer',
        name: 'Aigerim Nurlanova, information security officer',
        agency: 'mju',
        certificateIdentity: 'urn:kopir:officer:officer',
        roles: ['security-officer'],
      },
      {
        id: 'auditor',
        name: 'Daniyar Seitkali, auditor',
        agency: 'mju',
        certificateIdentity: 'urn:kopir:officer:auditor',
        roles: ['auditor'],
      },
    ],
  };
}
