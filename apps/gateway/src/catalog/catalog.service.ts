import { KopirError } from '@kopir/contracts';
import type { PublicJwk } from '@kopir/pki';
import { providerTimeoutMs, type FederationView } from '../federation/federation-state';

export interface CatalogEntry {
  readonly id: string;
  readonly version: string;
  readonly description: string;
  readonly purposes: readonly { code: string; legalBasis: string }[];
  readonly fields: readonly string[];
  readonly request: Record<string, unknown>;
  readonly response: Record<string, unknown>;
  /** The provider's answer signing keys: what a consumer verifies Kopir-Response-Signature with. */
  readonly providerKeys: readonly PublicJwk[];
  /** How long the gateway waits for the provider before 504 provider_timeout: the service's own, or the default. */
  readonly timeoutSeconds: number;
  /** The request member Kopir-Subject must equal, when the service names one. */
  readonly subjectField?: string;
}

/**
 * What a system may call (X-Road's allowedMethods, with purposes, fields and schemas): built from the rules in
 * force for the caller and its groups only, so the catalog never reveals other systems' rules.
 */
export class CatalogService {
  constructor(
    private readonly federation: () => FederationView,
    /** The gateway's GATEWAY_PROVIDER_TIMEOUT, for services that set no timeout of their own. */
    private readonly defaultTimeoutMs: number,
  ) {}

  list(client: string, now = Date.now()): CatalogEntry[] {
    const view = this.federation();
    const groups = new Set((view.document.groups ?? []).filter((g) => g.members.includes(client)).map((g) => g.id));
    const entries = new Map<string, { purposes: Map<string, string>; fields: Set<string> }>();
    for (const rule of view.document.rules) {
      const mine = rule.client === client || (rule.clientGroup !== undefined && groups.has(rule.clientGroup));
      if (!mine || rule.revokedAt !== undefined) continue;
      if (rule.validFrom !== undefined && Date.parse(rule.validFrom) > now) continue;
      if (rule.validUntil !== undefined && Date.parse(rule.validUntil) <= now) continue;
      const entry = entries.get(rule.service) ?? { purposes: new Map<string, string>(), fields: new Set<string>() };
      for (const p of rule.purposes) entry.purposes.set(p.code, p.legalBasis);
      for (const f of rule.fields) entry.fields.add(f);
      entries.set(rule.service, entry);
    }
    return [...entries]
      .map(([id, entry]): CatalogEntry | undefined => {
        const service = view.index.service(id);
        if (!service) return undefined;
        const provider = id.split('/').slice(0, 2).join('/');
        return {
          id,
          version: service.version,
          description: service.description,
          purposes: [...entry.purposes].map(([code, legalBasis]) => ({ code, legalBasis })),
          fields: [...entry.fields].sort(),
          request: service.request,
          response: service.response,
          providerKeys: view.index.system(provider)?.signingKeys ?? [],
          timeoutSeconds: providerTimeoutMs(service, this.defaultTimeoutMs) / 1000,
          ...(service.subjectField === undefined ? {} : { subjectField: service.subjectField }),
        };
      })
      .filter((e): e is CatalogEntry => e !== undefined)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** One service's OpenAPI 3.1 description, for a caller that may call it. */
  openApi(client: string, serviceId: string): Record<string, unknown> {
    const entry = this.list(client).find((e) => e.id === serviceId);
    if (!entry) throw new KopirError('service_unknown', `No service ${serviceId} is available to ${client}`);
    const problem = { $ref: '#/components/schemas/Problem' };
    const header = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({
      name,
      in: 'header',
      required: true,
      description,
      schema,
    });
    return {
      openapi: '3.1.0',
      info: { title: entry.id, version: entry.version, description: entry.description },
      paths: {
        [`/r1/${entry.id}`]: {
          post: {
            operationId: entry.id.replace(/[/-]/g, '_'),
            // After this long without the provider's answer the gateway answers 504 provider_timeout.
            'x-kopir-timeout-seconds': entry.timeoutSeconds,
            parameters: [
              header('Kopir-Purpose', 'legal purpose code', { enum: entry.purposes.map((p) => p.code) }),
              header(
                'Kopir-Subject',
                entry.subjectField === undefined
                  ? 'the person the data is about (IIN)'
                  : `the person the data is about: exactly the request body's "${entry.subjectField}"`,
              ),
              header('Kopir-Request-Id', 'unique id of this request'),
              header('Kopir-Signature', "detached JWS by the calling system's signing key (docs/api.md)"),
              { ...header('Kopir-Fields', 'optional subset of fields'), required: false },
            ],
            requestBody: { required: true, content: { 'application/json': { schema: entry.request } } },
            responses: {
              '200': {
                description: `the provider's answer, limited to: ${entry.fields.join(', ')}`,
                content: { 'application/json': { schema: entry.response } },
              },
              default: {
                description: 'a problem (RFC 9457)',
                content: { 'application/problem+json': { schema: problem } },
              },
            },
          },
        },
      },
      components: {
        schemas: {
          Problem: {
            type: 'object',
            required: ['type', 'title', 'status', 'code'],
            properties: {
              type: { type: 'string' },
              title: { type: 'string' },
              status: { type: 'integer' },
              detail: { type: 'string' },
              code: { type: 'string' },
              retriable: { type: 'boolean' },
              requestId: { type: 'string' },
            },
          },
        },
      },
    };
  }
}
