import { OFFICER_ROLES, SENSITIVITY_CLASSES } from './federation-document';

/**
 * JSON Schema (draft-07, what Ajv 8 validates by default) of the federation document. Structure only: references
 * between parts (a rule's service exists, a member is a system, ...) are checked in validate-federation.ts, which
 * can name both ends of a broken reference.
 */
const PART = '[a-z][a-z0-9-]{1,31}';
/**
 * RFC 3339 date-time, in the one spelling every reader of the document parses the same way: upper-case `T` and `Z` or
 * a numeric offset, seconds present and never 60 (JSON Schema's `date-time` also admits `t`, `z` and leap seconds,
 * which the access policy's compiler refuses: a document valid here but not there kept the previous rules in force).
 */
const DATE_TIME = {
  type: 'string',
  format: 'date-time',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:[0-5]\\d(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
} as const;
const ID = { type: 'string', pattern: `^${PART}$` } as const;
const SYSTEM_ID = { type: 'string', pattern: `^${PART}/${PART}$` } as const;
const SERVICE_ID = { type: 'string', pattern: `^${PART}/${PART}/${PART}$` } as const;
const TEXT = { type: 'string', minLength: 1, maxLength: 1000 } as const;
const SHA256_HEX = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const FIELD_NAME = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' } as const;
/** Officer ids are the names in their certificates (libs/pki: the identifier grammar), e.g. `officer`. */
const OFFICER_ID = ID;
const BASE64URL = { type: 'string', pattern: '^[A-Za-z0-9_-]+$' } as const;

const jwk = {
  type: 'object',
  required: ['kty', 'kid'],
  additionalProperties: false,
  properties: {
    kty: { enum: ['EC', 'OKP', 'RSA'] },
    kid: BASE64URL,
    crv: { enum: ['P-256', 'P-384', 'Ed25519'] },
    x: BASE64URL,
    y: BASE64URL,
    n: BASE64URL,
    e: BASE64URL,
  },
} as const;

const jsonSchema = { type: 'object', required: ['type'] } as const;

export const FEDERATION_SCHEMA = {
  $id: 'urn:kopir:schema:federation',
  type: 'object',
  additionalProperties: false,
  required: ['federation', 'version', 'issuedAt', 'expiresAt', 'agencies', 'purposes', 'services', 'rules', 'officers'],
  properties: {
    federation: ID,
    version: { type: 'integer', minimum: 1 },
    issuedAt: DATE_TIME,
    expiresAt: DATE_TIME,
    agencies: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'name', 'systems'],
        properties: {
          code: ID,
          name: TEXT,
          systems: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['id', 'name'],
              properties: {
                id: SYSTEM_ID,
                name: TEXT,
                tlsCertificateSha256: SHA256_HEX,
                signingKeys: { type: 'array', maxItems: 8, items: jwk },
                encryptionKey: jwk,
                encryptBodies: { type: 'boolean' },
              },
            },
          },
        },
      },
    },
    purposes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'description'],
        properties: { code: ID, description: TEXT },
      },
    },
    groups: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'members'],
        properties: { id: ID, description: TEXT, members: { type: 'array', items: SYSTEM_ID } },
      },
    },
    services: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'version', 'description', 'topic', 'request', 'response', 'fields'],
        properties: {
          id: SERVICE_ID,
          version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
          description: TEXT,
          topic: { type: 'string', pattern: `^kopir\\.req\\.${PART}$` },
          request: jsonSchema,
          response: jsonSchema,
          encryptBodies: { type: 'boolean' },
          timeoutSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 300 },
          subjectField: FIELD_NAME,
          fields: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'sensitivity'],
              properties: { name: FIELD_NAME, sensitivity: { enum: [...SENSITIVITY_CLASSES] }, description: TEXT },
            },
          },
        },
      },
    },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'service', 'purposes', 'fields', 'grantedBy', 'grantedAt'],
        // Exactly one of client / clientGroup (validate-federation.ts says which one is wrong).
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{0,99}$' },
          client: SYSTEM_ID,
          clientGroup: ID,
          service: SERVICE_ID,
          purposes: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['code', 'legalBasis'],
              properties: { code: ID, legalBasis: TEXT },
            },
          },
          fields: { type: 'array', items: FIELD_NAME },
          rateLimit: {
            type: 'object',
            additionalProperties: false,
            required: ['perSecond'],
            properties: {
              perSecond: { type: 'number', exclusiveMinimum: 0, maximum: 1000000 },
              burst: { type: 'integer', minimum: 1, maximum: 1000000 },
            },
          },
          dailyQuota: { type: 'integer', minimum: 1 },
          validFrom: DATE_TIME,
          validUntil: DATE_TIME,
          grantedBy: OFFICER_ID,
          grantedAt: DATE_TIME,
          revokedAt: DATE_TIME,
          revokedBy: OFFICER_ID,
          revocationReason: TEXT,
        },
      },
    },
    gateways: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'signingKeys'],
        properties: {
          id: ID,
          name: TEXT,
          signingKeys: { type: 'array', maxItems: 8, items: jwk },
          // Obsolete and ignored: gateways have no encryption key since answers come back under a key derived from
          // the request's key agreement. Still accepted so that a document signed before keeps loading during an
          // upgrade; `kopir federation encryption-keys` removes it.
          encryptionKey: jwk,
        },
      },
    },
    officers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'agency', 'certificateIdentity', 'roles'],
        properties: {
          id: OFFICER_ID,
          name: TEXT,
          agency: ID,
          certificateIdentity: { type: 'string', pattern: `^urn:kopir:officer:${PART}$` },
          certificateSha256: SHA256_HEX,
          roles: { type: 'array', minItems: 1, items: { enum: [...OFFICER_ROLES] } },
        },
      },
    },
  },
} as const;
