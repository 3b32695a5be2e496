import type { AccessRule, FederationDocument, ServiceDefinition } from './federation-document';

/**
 * A federation document for this library's own unit tests: four agencies, eight services and rules of every kind
 * (granted, narrowed, for a group, expired, revoked). Its services are sketches with loose answer schemas: the real
 * reference registries' definitions, and the development federation built from them, are in
 * @kopir/reference-registries, which this core library does not depend on.
 */
const DAY = 86_400_000;

const IIN = { type: 'string', pattern: '^[0-9]{12}$' };

function service(id: string, fields: readonly string[], request?: Record<string, unknown>): ServiceDefinition {
  return {
    id,
    version: '1.0.0',
    description: `sample service ${id}`,
    topic: `kopir.req.${id.split('/')[0] ?? ''}`,
    request: request ?? { type: 'object', additionalProperties: false, required: ['iin'], properties: { iin: IIN } },
    response: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(fields.map((name) => [name, {}])),
    },
    fields: fields.map((name) => ({ name, sensitivity: name === 'relations' ? 'sensitive' : 'personal' })),
  };
}

const SAMPLE_SERVICES: readonly ServiceDefinition[] = [
  service('mju/population/person-by-iin', [
    'iin',
    'lastName',
    'firstName',
    'patronymic',
    'birthDate',
    'sex',
    'citizenship',
    'birthPlace',
    'address',
    'deceased',
    'deathDate',
  ]),
  service('mju/population/address-history', ['iin', 'addresses']),
  service('mju/population/family-relations', ['iin', 'relations']),
  service('mia/vehicles/vehicles-by-owner', ['ownerIin', 'vehicles']),
  service(
    'mia/vehicles/vehicle-by-plate',
    ['vin', 'plate', 'make', 'model', 'year', 'colour', 'ownerIin', 'registeredOn', 'status'],
    { type: 'object', additionalProperties: false, required: ['plate'], properties: { plate: { type: 'string' } } },
  ),
  service('mia/vehicles/driving-licence-status', [
    'iin',
    'licenceNumber',
    'categories',
    'issuedOn',
    'expiresOn',
    'status',
    'statusReason',
    'validToday',
  ]),
  service('src/tax/taxpayer-status', ['iin', 'status', 'category', 'hasDebt', 'totalDebt']),
  service('src/tax/tax-debts', ['iin', 'currency', 'totalDebt', 'debts']),
];

/** Legal bases (citations of the Republic of Kazakhstan's acts as the rules record them). */
const LAW = {
  roadTraffic: 'Law of the RK "On Road Traffic" No. 194-V of 17.04.2014, art. 70 (issue of driving licences)',
  vehicles: 'Law of the RK "On Road Traffic" No. 194-V of 17.04.2014, art. 65 (registration of vehicles)',
  socialCode: 'Social Code of the RK No. 224-VII of 20.04.2023, art. 8 (eligibility for state benefits)',
  taxCode: 'Tax Code of the RK No. 120-VI of 25.12.2017, art. 114 (certificate of absence of tax debts)',
  personalData: 'Law of the RK "On Personal Data and Their Protection" No. 94-V of 21.05.2013, art. 9',
  addresses: 'Rules of population registration, Government Decree No. 1214 of 30.12.2011',
};

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The sample document, issued at `now` and valid for 90 days. */
export function sampleFederation(now: Date = new Date()): FederationDocument {
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
        systems: [{ id: 'mju/population', name: 'National population registry' }],
      },
      {
        code: 'mia',
        name: 'Ministry of Internal Affairs',
        systems: [{ id: 'mia/vehicles', name: 'Vehicle and driving licence registry' }],
      },
      {
        code: 'src',
        name: 'State Revenue Committee of the Ministry of Finance',
        systems: [{ id: 'src/tax', name: 'Taxpayer registry' }],
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
    services: SAMPLE_SERVICES,
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
