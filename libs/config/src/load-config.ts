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
  const set = (key: string): boolean => {
    const raw = env[spec[key]?.env ?? ''];
    return raw !== undefined && raw !== '';
  };
  problems.push(...allOrNoneProblems(spec, set));
  if (problems.length > 0) throw new ConfigError(service, problems);
  return Object.freeze(values) as ConfigOf<S>;
}

function joined(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

/**
 * The one rule for keys that go together ({@link allOrNone}): a problem for every unset key of a group of which some
 * key is set. loadConfig applies it to the environment (so `kopir config check` and every service's start report
 * it alike); code that builds settings without loadConfig applies it to them with `isSet` (createKafkaFromSettings).
 */
export function allOrNoneProblems(spec: ConfigSpec, isSet: (key: string) => boolean): ConfigProblem[] {
  const keyOf = new Map(Object.entries(spec).map(([key, field]) => [field.env, key]));
  const setEnv = (env: string): boolean => {
    const key = keyOf.get(env);
    return key !== undefined && isSet(key);
  };
  const problems: ConfigProblem[] = [];
  for (const [key, field] of Object.entries(spec)) {
    if (field.together === undefined || isSet(key)) continue;
    const present = field.together.filter(setEnv);
    if (present.length === 0) continue;
    problems.push({
      key,
      env: field.env,
      problem:
        `missing: set all of ${joined(field.together)}, or none ` +
        `(${joined(present)} ${present.length === 1 ? 'is' : 'are'} set)`,
    });
  }
  return problems;
}

/** One row per key, for `kopir config` and the docs. */
export function describeConfig(spec: ConfigSpec): { env: string; description: string; default: string }[] {
  return Object.values(spec).map((field) => ({
    env: field.env,
    description:
      field.together === undefined
        ? field.description
        : `${field.description}; with ${joined(field.together.filter((e) => e !== field.env))}, or none`,
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
