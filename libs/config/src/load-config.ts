import { KopirError } from '@kopir/contracts';
import type { Field } from './fields';

export type ConfigSpec = Readonly<Record<string, Field<unknown>>>;
export type ConfigOf<S extends ConfigSpec> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export interface ConfigProblem {
  readonly key: string;
  readonly env: string;
  readonly problem: string;
}

/** A configuration that cannot be used; `problems` names every bad key, not just the first. */
export class ConfigError extends KopirError {
  readonly problems: readonly ConfigProblem[];

  constructor(service: string, problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.env}: ${p.problem}`);
    super('config_invalid', `Invalid configuration for ${service}:\n${lines.join('\n')}`);
    this.problems = problems;
  }
}

/**
 * Parses the environment into a typed, frozen configuration object. This is the only reader of `process.env` in
 * Köpir (STYLE.md §4); callers outside Nest's DI (CLI, tests, benchmarks) call it directly with their own `env`.
 */
export function loadConfig<S extends ConfigSpec>(
  service: string,
  spec: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConfigOf<S> {
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, field] of Object.entries(spec)) {
    const raw = env[field.env];
    if (raw === undefined || raw === '') {
      if (field.defaultValue !== undefined || field.optional) values[key] = field.defaultValue;
      else problems.push({ key, env: field.env, problem: `missing (${field.description})` });
      continue;
    }
    try {
      values[key] = field.parse(raw);
    } catch (error) {
      const shown = field.secret ? '' : ` (got ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw)})`;
      problems.push({ key, env: field.env, problem: `${(error as Error).message}${shown}` });
    }
  }
  if (problems.length > 0) throw new ConfigError(service, problems);
  return Object.freeze(values) as ConfigOf<S>;
}

/** One row per key, for `kopir config` and the docs. */
export function describeConfig(spec: ConfigSpec): { env: string; description: string; default: string }[] {
  return Object.values(spec).map((field) => ({
    env: field.env,
    description: field.description,
    default: field.describeDefault() ?? (field.optional ? '(unset)' : '(required)'),
  }));
}

/**
 * The environment for a child process: this process's environment with `overrides` on top. The supervisor of
 * `kopir up` starts every service with it, so an operator's settings reach each service unchanged.
 */
export function childEnvironment(overrides: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return { ...env, ...overrides };
}
