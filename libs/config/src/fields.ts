import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * One configuration key: the environment variable it is read from, how its text becomes a value, and its default.
 * A field without a default is required. `parse` returns the value or throws an Error whose message says what was
 * expected; loadConfig collects every such message before it fails, so an operator fixes all keys in one go.
 */
export interface Field<T> {
  readonly env: string;
  readonly description: string;
  readonly defaultValue?: T | undefined;
  readonly optional: boolean;
  /** Shown instead of the value in messages (secrets). */
  readonly secret: boolean;
  /** The variables of its {@link allOrNone} group (itself included): set together or not at all. */
  readonly together?: readonly string[];
  parse(raw: string): T;
  /** How the default is shown in documentation. */
  describeDefault(): string | undefined;
}

interface FieldOptions<T> {
  readonly description: string;
  readonly default?: T;
  readonly secret?: boolean;
}

function field<T>(
  env: string,
  options: FieldOptions<T>,
  parse: (raw: string) => T,
  show: (value: T) => string = String,
): Field<T> {
  return {
    env,
    description: options.description,
    defaultValue: options.default,
    optional: false,
    secret: options.secret ?? false,
    parse,
    describeDefault: () => (options.default === undefined ? undefined : show(options.default)),
  };
}

/** A field that may be absent: its value is `undefined` then. */
export function optional<T>(inner: Field<T>): Field<T | undefined> {
  return { ...inner, optional: true, defaultValue: undefined, parse: (raw) => inner.parse(raw) };
}

/**
 * Keys that only work together, such as a TLS CA, certificate and key: each is optional, and a configuration that sets
 * some of them but not all is refused (loadConfig, and allOrNoneProblems for settings built in code), naming every
 * missing key. `const [ca, cert, key] = allOrNone(readableFile(...), readableFile(...), readableFile(...))`.
 */
export function allOrNone<const F extends readonly Field<unknown>[]>(
  ...fields: F
): { readonly [K in keyof F]: F[K] extends Field<infer T> ? Field<T | undefined> : never } {
  const together = Object.freeze(fields.map((f) => f.env));
  return fields.map((f) => ({ ...optional(f), together })) as unknown as {
    readonly [K in keyof F]: F[K] extends Field<infer T> ? Field<T | undefined> : never;
  };
}

export function str(env: string, options: FieldOptions<string> & { pattern?: RegExp }): Field<string> {
  return field(env, options, (raw) => {
    if (raw.length === 0) throw new Error('expected a non-empty string');
    if (options.pattern && !options.pattern.test(raw)) throw new Error(`expected a value matching ${options.pattern}`);
    return raw;
  });
}

export function int(env: string, options: FieldOptions<number> & { min?: number; max?: number }): Field<number> {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return field(env, options, (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`expected an integer from ${min} to ${max}`);
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`expected an integer from ${min} to ${max}`);
    }
    return value;
  });
}

/** A TCP port; 0 asks the operating system for a free one (tests). */
export function port(env: string, options: FieldOptions<number>): Field<number> {
  const inner = int(env, { ...options, min: 0, max: 65535 });
  return {
    ...inner,
    parse: (raw) => {
      try {
        return inner.parse(raw);
      } catch {
        throw new Error('expected a TCP port from 0 to 65535');
      }
    },
  };
}

export function bool(env: string, options: FieldOptions<boolean>): Field<boolean> {
  return field(env, options, (raw) => {
    const value = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    throw new Error('expected true or false');
  });
}

export function oneOf<const T extends string>(env: string, values: readonly T[], options: FieldOptions<T>): Field<T> {
  return field(env, options, (raw) => {
    if (!(values as readonly string[]).includes(raw)) throw new Error(`expected one of ${values.join(', ')}`);
    return raw as T;
  });
}

/** A comma-separated list, e.g. KAFKA_BROKERS=kafka-1:9093,kafka-2:9093. Empty entries are an error. */
export function list(
  env: string,
  options: FieldOptions<readonly string[]> & { item?: RegExp; itemHint?: string },
): Field<readonly string[]> {
  return field(
    env,
    options,
    (raw) => {
      const items = raw.split(',').map((item) => item.trim());
      const bad = items.filter((item) => item.length === 0 || (options.item !== undefined && !options.item.test(item)));
      if (bad.length > 0 || items.length === 0) {
        throw new Error(`expected a comma-separated list${options.itemHint ? ` of ${options.itemHint}` : ''}`);
      }
      return Object.freeze(items);
    },
    (value) => value.join(','),
  );
}

/** host:port, as in KAFKA_BROKERS. */
export const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `500ms`, `10s`, `5m`, `1h`, `30d`; the value is in milliseconds. */
export function duration(env: string, options: FieldOptions<number> & { min?: number; max?: number }): Field<number> {
  return field(
    env,
    options,
    (raw) => {
      const match = /^(\d+)(ms|s|m|h|d)$/.exec(raw.trim());
      const value = match ? Number(match[1]) * (DURATION_UNITS[match[2] as string] as number) : Number.NaN;
      if (!Number.isSafeInteger(value)) throw new Error('expected a duration such as 500ms, 10s, 5m, 1h or 30d');
      if ((options.min !== undefined && value < options.min) || (options.max !== undefined && value > options.max)) {
        throw new Error(`expected a duration from ${options.min ?? 0}ms to ${options.max ?? '∞'}ms`);
      }
      return value;
    },
    (ms) => `${ms}ms`,
  );
}

/** Size in bytes: `1048576`, `512kb`, `1mb`, `2gb`. */
export function bytes(env: string, options: FieldOptions<number> & { min?: number }): Field<number> {
  const units: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
  return field(env, options, (raw) => {
    const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(raw.trim());
    const value = match ? Number(match[1]) * (units[(match[2] ?? '').toLowerCase()] as number) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < (options.min ?? 0)) {
      throw new Error('expected a size such as 1048576, 512kb or 1mb');
    }
    return value;
  });
}

/** A file that must exist and be readable when the service starts (certificates, keys, documents). */
export function readableFile(env: string, options: FieldOptions<string>): Field<string> {
  return field(env, options, (raw) => {
    const path = resolve(raw);
    try {
      if (!statSync(path).isFile()) throw new Error('not a file');
      accessSync(path, constants.R_OK);
    } catch {
      throw new Error(`expected a readable file, but ${path} cannot be read`);
    }
    return path;
  });
}

/** A directory path; it is created by the service if missing, so only its form is checked here. */
export function directory(env: string, options: FieldOptions<string>): Field<string> {
  return field(env, options, (raw) => {
    if (raw.trim().length === 0) throw new Error('expected a directory path');
    return resolve(raw);
  });
}
