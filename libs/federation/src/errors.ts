import { KopirError, type KopirErrorOptions } from '@kopir/contracts';

/** One problem in a federation document: where (field path, and line/column in the YAML when known) and what. */
export interface FederationProblem {
  /** `rules[3].fields[1]`; empty for the document as a whole. */
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** `federation.yaml:12:7 rules[0].fields[2]: ...` */
export function formatProblem(source: string, problem: FederationProblem): string {
  const where = problem.line === undefined ? source : `${source}:${problem.line}:${problem.column ?? 1}`;
  return `${where} ${problem.path === '' ? '(document)' : problem.path}: ${problem.message}`;
}

/** The document is malformed or inconsistent; `problems` lists every problem found, each with its line and field. */
export class FederationInvalidError extends KopirError {
  readonly problems: readonly FederationProblem[];

  constructor(source: string, problems: readonly FederationProblem[], options: KopirErrorOptions = {}) {
    const lines = problems.slice(0, 50).map((p) => `  ${formatProblem(source, p)}`);
    const more = problems.length > 50 ? `\n  … and ${problems.length - 50} more` : '';
    super('config_invalid', `Federation document ${source} is invalid:\n${lines.join('\n')}${more}`, options);
    this.problems = problems;
  }
}

/** Why a signed federation document was refused by a loader. */
export type FederationRefusal = 'unsigned' | 'signature_invalid' | 'expired' | 'rollback' | 'wrong_federation';

/**
 * A signed federation document that a service must not use: unsigned, tampered (signature_invalid), expired, older
 * than (or conflicting with) the one in force (rollback), or of another federation.
 */
export class FederationRefusedError extends KopirError {
  readonly refusal: FederationRefusal;

  constructor(refusal: FederationRefusal, message: string, options: KopirErrorOptions = {}) {
    super('config_invalid', message, options);
    this.refusal = refusal;
  }
}
