import { KopirError } from './kopir-error';

/**
 * Identifiers of the federation (DESIGN.md "Identities"): agency `mju`, system `mju/population`, service
 * `mju/population/person-by-iin`. One grammar for every part keeps them safe to use in topic names, URL paths,
 * certificate SAN URIs and file names without escaping.
 */
const PART = '[a-z][a-z0-9-]{1,31}';
const PART_RE = new RegExp(`^${PART}$`);
const SYSTEM_RE = new RegExp(`^(${PART})/(${PART})$`);
const SERVICE_RE = new RegExp(`^(${PART})/(${PART})/(${PART})$`);

declare const brand: unique symbol;
type Brand<T, B> = T & { readonly [brand]: B };

export type AgencyCode = Brand<string, 'AgencyCode'>;
export type SystemId = Brand<string, 'SystemId'>;
export type ServiceId = Brand<string, 'ServiceId'>;

export interface ParsedSystemId {
  readonly id: SystemId;
  readonly agency: AgencyCode;
  readonly system: string;
}

export interface ParsedServiceId {
  readonly id: ServiceId;
  readonly agency: AgencyCode;
  readonly system: string;
  /** `<agency>/<system>`, the provider system that serves it. */
  readonly provider: SystemId;
  readonly service: string;
}

/** The prefix of the SAN URI that names a system in its TLS and signing certificates. */
export const SYSTEM_URI_PREFIX = 'urn:kopir:system:';

export function isAgencyCode(value: string): value is AgencyCode {
  return PART_RE.test(value);
}

export function isSystemId(value: string): value is SystemId {
  return SYSTEM_RE.test(value);
}

export function isServiceId(value: string): value is ServiceId {
  return SERVICE_RE.test(value);
}

export function parseAgencyCode(value: string): AgencyCode {
  if (!isAgencyCode(value)) throw invalid('agency code', value, 'mju');
  return value;
}

export function parseSystemId(value: string): ParsedSystemId {
  const match = SYSTEM_RE.exec(value);
  if (!match) throw invalid('system id', value, 'psc/front-office');
  return { id: value as SystemId, agency: match[1] as AgencyCode, system: match[2] as string };
}

export function parseServiceId(value: string): ParsedServiceId {
  const match = SERVICE_RE.exec(value);
  if (!match) throw invalid('service id', value, 'mju/population/person-by-iin');
  const agency = match[1] as AgencyCode;
  const system = match[2] as string;
  return {
    id: value as ServiceId,
    agency,
    system,
    provider: `${agency}/${system}` as SystemId,
    service: match[3] as string,
  };
}

/** `urn:kopir:system:psc/front-office` for `psc/front-office`. */
export function systemUri(system: SystemId): string {
  return `${SYSTEM_URI_PREFIX}${system}`;
}

/** The system named by a SAN URI, or undefined when the URI does not name a well-formed system. */
export function systemFromUri(uri: string): SystemId | undefined {
  if (!uri.startsWith(SYSTEM_URI_PREFIX)) return undefined;
  const id = uri.slice(SYSTEM_URI_PREFIX.length);
  return isSystemId(id) ? id : undefined;
}

function invalid(what: string, value: string, example: string): KopirError {
  // The value is echoed only up to a safe length: identifiers arrive from untrusted callers.
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return new KopirError(
    'request_invalid',
    `Invalid ${what} ${shown}: expected lower-case parts of 2-32 letters, digits or '-', e.g. ${example}`,
  );
}
