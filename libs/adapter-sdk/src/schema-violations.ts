import type { ErrorObject } from 'ajv';

/** Where a value breaks a JSON Schema: a JSON Pointer (RFC 6901) and the schema keyword that failed. */
export interface SchemaViolation {
  readonly path: string;
  readonly keyword: string;
}

type SchemaNode = Readonly<Record<string, unknown>>;

/** Member names the schema does not declare are shown as this: such a name may itself be data. */
export const UNDECLARED = '*';

const MAX_LISTED = 10;

function isNode(value: unknown): value is SchemaNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A schema and every subschema that applies to the same value (draft-07 §6.7 allOf/anyOf/oneOf, if/then/else). */
function applicable(schemas: readonly unknown[]): SchemaNode[] {
  const out: SchemaNode[] = [];
  const stack = [...schemas];
  while (stack.length > 0) {
    const schema = stack.pop();
    if (!isNode(schema)) continue;
    out.push(schema);
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      const list = schema[key];
      if (Array.isArray(list)) stack.push(...(list as unknown[]));
    }
    for (const key of ['if', 'then', 'else']) if (key in schema) stack.push(schema[key]);
  }
  return out;
}

/**
 * One step of a path through the schema: whether `segment` is a name the schema itself holds (a `properties`
 * member) or an array position under an array schema, and the subschemas that apply to the value there. Keys that
 * only `patternProperties` or `additionalProperties` admit are not declared: a registry may key a map by IIN.
 */
function step(schemas: readonly unknown[], segment: string): { declared: boolean; next: unknown[] } {
  let declared = false;
  const next: unknown[] = [];
  const index = /^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : undefined;
  for (const schema of applicable(schemas)) {
    const properties = schema.properties;
    if (isNode(properties) && Object.hasOwn(properties, segment)) {
      declared = true;
      next.push(properties[segment]);
    }
    if (index !== undefined && 'items' in schema) {
      declared = true;
      const items = schema.items;
      next.push(Array.isArray(items) ? (items[index] ?? schema.additionalItems) : items);
    }
    const patterns = schema.patternProperties;
    if (isNode(patterns)) {
      for (const [pattern, sub] of Object.entries(patterns)) {
        if (new RegExp(pattern, 'u').test(segment)) next.push(sub);
      }
    }
    if (isNode(schema.additionalProperties)) next.push(schema.additionalProperties);
  }
  return { declared, next };
}

/** `instancePath` (ajv's JSON Pointer) with every segment the schema does not itself name replaced by `*`. */
function publicPath(schema: unknown, instancePath: string): string[] {
  const segments = instancePath === '' ? [] : instancePath.slice(1).split('/');
  const out: string[] = [];
  let at: unknown[] = [schema];
  for (const raw of segments) {
    const { declared, next } = step(at, raw.replace(/~1/g, '/').replace(/~0/g, '~'));
    out.push(declared ? raw : UNDECLARED);
    at = next;
  }
  return out;
}

/**
 * What ajv found wrong with a value, told without the value: each violation's path with only the names the schema
 * itself declares (array positions kept, any other member name as `*`) and the keyword that failed. A missing
 * required member is named (the schema's `required` lists it). Duplicates are dropped. Used for a registry's answer,
 * which is citizen data: the report goes to another agency and to the adapter's log.
 */
export function schemaViolations(schema: unknown, errors: readonly ErrorObject[]): SchemaViolation[] {
  const seen = new Set<string>();
  const out: SchemaViolation[] = [];
  for (const error of errors) {
    const path = publicPath(schema, error.instancePath);
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
      path.push(params.missingProperty.replace(/~/g, '~0').replace(/\//g, '~1'));
    } else if (error.keyword === 'additionalProperties') {
      path.push(UNDECLARED);
    }
    const violation = { path: path.length === 0 ? '/' : `/${path.join('/')}`, keyword: error.keyword };
    const key = `${violation.path} ${violation.keyword}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(violation);
  }
  return out;
}

/** `/lastName type; /address/city required; and 3 more`: at most ten, for a message or a log line. */
export function describeViolations(violations: readonly SchemaViolation[]): string {
  const listed = violations.slice(0, MAX_LISTED).map((v) => `${v.path} ${v.keyword}`);
  if (violations.length > MAX_LISTED) listed.push(`and ${violations.length - MAX_LISTED} more`);
  return listed.join('; ');
}
