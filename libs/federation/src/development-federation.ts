import type { AccessRule, FederationDocument, ServiceDefinition, ServiceField } from './federation-document';

/**
 * The reference federation of the development deployment (`kopir federation init`): Public Service Centres (psc)
 * consume; the population registry (mju/population), the vehicle registry (mia/vehicles) and the tax registry
 * (src/tax) provide. Besides the rules that make the demo work it holds combinations denied on purpose, each
 * listed in DEVELOPMENT_DENIALS, which the tests and the demo rely on.
 *
 * Keys and certificate fingerprints are left out here; `federation init --pki certs/dev` fills them in.
 */
const DAY = 86_400_000;

/** IIN: the 12-digit individual identification number of the Republic of Kazakhstan. */
const IIN = { type: 'string', pattern: '^[0-9]{12}$', description: 'individual identification number (12 digits)' };
/** Kazakh vehicle registration plate (since 2012): 3 digits, 2-3 letters, 2-digit region code. */
const PLATE = { type: 'string', pattern: '^[0-9]{3}[A-Z]{2,3}[0-9]{2}$' };
const DATE = { type: 'string', format: 'date' };
const TEXT = { type: 'string', maxLength: 200 };

function byIin(): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required: ['iin'], properties: { iin: IIN } };
}

function response(properties: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, properties };
}

function service(
  id: string,
  description: string,
  request: Record<string, unknown>,
  properties: Record<string, unknown>,
  fields: Record<string, ServiceField['sensitivity']>,
): ServiceDefinition {
  const agency = id.split('/')[0] as string;
  return {
    id,
    version: '1.0.0',
    description,
    topic: `kopir.req.${agency}`,
    request,
    response: response(properties),
    fields: Object.entries(fields).map(([name, sensitivity]) => ({ name, sensitivity })),
  };
}

const PERSON_FIELDS = {
  iin: 'personal',
  lastName: 'personal',
  firstName: 'personal',
  middleName: 'personal',
  birthDate: 'personal',
  sex: 'personal',
  citizenship: 'personal',
  nationality: 'sensitive',
  address: 'personal',
  status: 'internal',
} as const;

export const DEVELOPMENT_SERVICES: readonly ServiceDefinition[] = [
  service(
    'mju/population/person-by-iin',
    "A person's identity and registered address from the national population registry",
    byIin(),
    {
      iin: IIN,
      lastName: TEXT,
      firstName: TEXT,
      middleName: TEXT,
      birthDate: DATE,
      sex: { enum: ['M', 'F'] },
      citizenship: { type: 'string', pattern: '^[A-Z]{2}$' },
      nationality: TEXT,
      address: TEXT,
      status: { enum: ['alive', 'deceased', 'emigrated'] },
    },
    PERSON_FIELDS,
  ),
  service(
    'mju/population/address-history',
    'Registered addresses of a person, most recent first',
    byIin(),
    {
      iin: IIN,
      addresses: {
        type: 'array',
        items: response({ address: TEXT, registeredFrom: DATE, registeredUntil: DATE }),
      },
    },
    { iin: 'personal', addresses: 'personal' },
  ),
  service(
    'mju/population/family-relations',
    'Spouse, parents and children of a person as registered in civil status records',
    byIin(),
    {
      iin: IIN,
      spouse: IIN,
      parents: { type: 'array', items: IIN },
      children: { type: 'array', items: IIN },
    },
    { iin: 'personal', spouse: 'sensitive', parents: 'sensitive', children: 'sensitive' },
  ),
  service(
    'mia/vehicles/vehicles-by-owner',
    'Vehicles registered to a person',
    byIin(),
    {
      iin: IIN,
      vehicles: {
        type: 'array',
        items: response({ plate: PLATE, vin: TEXT, make: TEXT, model: TEXT, year: { type: 'integer' } }),
      },
    },
    { iin: 'personal', vehicles: 'personal' },
  ),
  service(
    'mia/vehicles/vehicle-by-plate',
    'A registered vehicle and its owner by registration plate',
    { type: 'object', additionalProperties: false, required: ['plate'], properties: { plate: PLATE } },
    {
      plate: PLATE,
      vin: TEXT,
      make: TEXT,
      model: TEXT,
      year: { type: 'integer' },
      colour: TEXT,
      ownerIin: IIN,
      registeredAt: DATE,
      wanted: { type: 'boolean' },
    },
    {
      plate: 'internal',
      vin: 'internal',
      make: 'public',
      model: 'public',
      year: 'public',
      colour: 'public',
      ownerIin: 'personal',
      registeredAt: 'internal',
      wanted: 'sensitive',
    },
  ),
  service(
    'mia/vehicles/driving-licence-status',
    "A person's driving licence: categories, validity, suspension",
    byIin(),
    {
      iin: IIN,
      licenceNumber: TEXT,
      categories: { type: 'array', items: { enum: ['A', 'B', 'BE', 'C', 'CE', 'D', 'DE', 'Tb', 'Tm'] } },
      validUntil: DATE,
      status: { enum: ['valid', 'suspended', 'revoked', 'expired', 'none'] },
    },
    { iin: 'personal', licenceNumber: 'personal', categories: 'personal', validUntil: 'personal', status: 'personal' },
  ),
  service(
    'src/tax/taxpayer-status',
    "A person's taxpayer registration and status",
    byIin(),
    {
      iin: IIN,
      registered: { type: 'boolean' },
      taxpayerType: { enum: ['individual', 'individual-entrepreneur', 'private-practice'] },
      status: { enum: ['active', 'inactive', 'liquidated'] },
    },
    { iin: 'personal', registered: 'personal', taxpayerType: 'personal', status: 'personal' },
  ),
  service(
    'src/tax/tax-debts',
    "A person's outstanding tax debts",
    byIin(),
    {
      iin: IIN,
      hasDebts: { type: 'boolean' },
      totalDebt: { type: 'number', minimum: 0 },
      debts: {
        type: 'array',
        items: response({ taxCode: TEXT, amount: { type: 'number' }, since: DATE }),
      },
    },
    { iin: 'personal', hasDebts: 'sensitive', totalDebt: 'sensitive', debts: 'sensitive' },
  ),
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
    fields: ['iin', 'nationality'],
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
      // Not nationality: a special category of personal data that none of these services needs.
      fields: ['iin', 'lastName', 'firstName', 'middleName', 'birthDate', 'sex', 'citizenship', 'address', 'status'],
      rateLimit: { perSecond: 50, burst: 100 },
      dailyQuota: 200_000,
      ...granted,
    },
    {
      id: 'psc-front-office.driving-licence-status',
      client: 'psc/front-office',
      service: 'mia/vehicles/driving-licence-status',
      purposes: [{ code: 'driving-licence-issue', legalBasis: LAW.roadTraffic }],
      fields: ['iin', 'licenceNumber', 'categories', 'validUntil', 'status'],
      rateLimit: { perSecond: 20, burst: 40 },
      dailyQuota: 50_000,
      ...granted,
    },
    {
      id: 'psc-front-office.vehicles-by-owner',
      client: 'psc/front-office',
      service: 'mia/vehicles/vehicles-by-owner',
      purposes: [{ code: 'vehicle-registration', legalBasis: LAW.vehicles }],
      fields: ['iin', 'vehicles'],
      rateLimit: { perSecond: 20, burst: 40 },
      dailyQuota: 50_000,
      ...granted,
    },
    {
      id: 'psc-front-office.vehicle-by-plate',
      client: 'psc/front-office',
      service: 'mia/vehicles/vehicle-by-plate',
      purposes: [{ code: 'vehicle-registration', legalBasis: LAW.vehicles }],
      // Not `wanted`: whether a vehicle is sought by the police is for the police.
      fields: ['plate', 'vin', 'make', 'model', 'year', 'colour', 'ownerIin', 'registeredAt'],
      rateLimit: { perSecond: 20, burst: 40 },
      dailyQuota: 50_000,
      ...granted,
    },
    {
      id: 'psc-offices.taxpayer-status',
      clientGroup: 'psc-offices',
      service: 'src/tax/taxpayer-status',
      purposes: [{ code: 'social-benefit-check', legalBasis: LAW.socialCode }],
      fields: ['iin', 'registered', 'taxpayerType', 'status'],
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
      fields: ['iin', 'hasDebts', 'totalDebt'],
      rateLimit: { perSecond: 5, burst: 10 },
      dailyQuota: 10_000,
      ...granted,
    },
    {
      id: 'psc-front-office.family-relations.pilot',
      client: 'psc/front-office',
      service: 'mju/population/family-relations',
      purposes: [{ code: 'social-benefit-check', legalBasis: LAW.socialCode }],
      fields: ['iin', 'spouse', 'children'],
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
      fields: ['iin', 'lastName', 'firstName', 'middleName', 'birthDate', 'status'],
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
