import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { FederationInvalidError, type FederationProblem } from './errors';
import type { AccessRule, FederationDocument } from './federation-document';
import { checkFederation, pathText, type Path, type RawProblem } from './validate-federation';

/**
 * The human form of the federation document: YAML that officers edit by hand or through `kopir rules grant|revoke`.
 * Edits go through the YAML syntax tree, so comments and layout that people wrote survive a CLI change, and every
 * problem is reported with the line, column and field path it refers to.
 */
export class FederationYaml {
  private constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    readonly source: string,
  ) {}

  /**
   * Renders a document as YAML for people, with a comment before each section saying what it holds and how it is
   * used (`federation init`).
   */
  static fromDocument(document: FederationDocument, source = 'federation.yaml'): FederationYaml {
    const doc = new Document(document, { aliasDuplicateObjects: false });
    doc.commentBefore = HEADER;
    if (isMap(doc.contents)) {
      for (const pair of doc.contents.items) {
        const note = isScalar(pair.key) ? SECTION_NOTES[String(pair.key.value)] : undefined;
        if (note !== undefined && isScalar(pair.key)) pair.key.commentBefore = note;
        if (isScalar(pair.key) && pair.key.value === 'services') compact(pair.value);
      }
    }
    return FederationYaml.parse(doc.toString({ lineWidth: 120 }), source);
  }

  /** Parses YAML text; throws FederationInvalidError naming the line of every syntax error. */
  static parse(text: string, source = 'federation.yaml'): FederationYaml {
    const lines = new LineCounter();
    // The core schema keeps `2026-01-01T00:00:00Z` a string (YAML 1.1 timestamps would become Dates) and refuses
    // duplicate keys, which would otherwise let a second `fields:` silently win.
    const doc = parseDocument(text, { lineCounter: lines, schema: 'core', uniqueKeys: true, prettyErrors: false });
    const problems: FederationProblem[] = doc.errors.map((error) => {
      const pos = lines.linePos(error.pos[0]);
      return { path: '', line: pos.line, column: pos.col, message: error.message.split('\n')[0] ?? error.message };
    });
    if (problems.length > 0) throw new FederationInvalidError(source, problems);
    return new FederationYaml(doc, lines, source);
  }

  /** The document as plain data, checked; throws FederationInvalidError naming the line and field of each problem. */
  toDocument(): FederationDocument {
    const value: unknown = this.doc.toJS({ maxAliasCount: 50 });
    const problems = checkFederation(value);
    if (problems.length > 0)
      throw new FederationInvalidError(
        this.source,
        problems.map((p) => this.locate(p)),
      );
    return value as FederationDocument;
  }

  /** Where a problem is in the YAML: the node of its path, or the nearest enclosing node that exists. */
  locate(problem: RawProblem): FederationProblem {
    let node: unknown = this.doc.contents;
    let range: readonly number[] | undefined = (node as Node | null)?.range ?? undefined;
    for (let i = 0; i < problem.path.length; i++) {
      const segment = problem.path[i];
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p: Pair) => isScalar(p.key) && p.key.value === segment);
        if (pair === undefined) break;
        if (i === problem.path.length - 1 && problem.atKey === true && isScalar(pair.key)) {
          range = pair.key.range ?? range;
          break;
        }
        next = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
      } else {
        break;
      }
      if (next === undefined || next === null) break;
      node = next;
      range = (node as Node).range ?? range;
    }
    const pos = range === undefined ? undefined : this.lines.linePos(range[0] ?? 0);
    return {
      path: pathText(problem.path),
      message: problem.message,
      ...(pos === undefined ? {} : { line: pos.line, column: pos.col }),
    };
  }

  get version(): number {
    const value: unknown = this.doc.get('version');
    return typeof value === 'number' ? value : 0;
  }

  /**
   * Marks a change: version + 1 and a new issuedAt (a signed copy of the previous version can then never be
   * replayed over this one).
   */
  bumpVersion(now: Date): void {
    this.doc.set('version', this.version + 1);
    this.doc.set('issuedAt', now.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  }

  /** Appends a rule (checked when the document is next turned into data). */
  addRule(rule: AccessRule): void {
    const rules = this.doc.get('rules');
    const node = this.doc.createNode(stripUndefined(rule));
    if (isSeq(rules)) rules.add(node);
    else this.doc.set('rules', this.doc.createNode([stripUndefined(rule)]));
  }

  /**
   * Revokes a rule in place (it stays in the document, for the record, with who revoked it, when and why).
   * Returns false when there is no such rule.
   */
  revokeRule(id: string, by: string, at: Date, reason: string | undefined): boolean {
    const rules = this.doc.get('rules');
    if (!isSeq(rules)) return false;
    const rule = rules.items.find((item) => isMap(item) && item.get('id') === id);
    if (!isMap(rule)) return false;
    rule.set('revokedAt', at.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    rule.set('revokedBy', by);
    if (reason !== undefined) rule.set('revocationReason', reason);
    return true;
  }

  /** Replaces a top-level or nested value by path (used by `federation init --pki` to fill in keys). */
  setIn(path: Path, value: unknown): void {
    this.doc.setIn(path, this.doc.createNode(value));
  }

  /** Removes a value by path, if it is there (`federation encryption-keys` drops an obsolete member). */
  deleteIn(path: Path): void {
    this.doc.deleteIn(path);
  }

  toString(): string {
    return this.doc.toString({ lineWidth: 120 });
  }
}

const HEADER = [
  ' Köpir federation document: who is in the federation, which services exist, and who may call them for which',
  ' purpose. Edit it here (or with `kopir rules grant|revoke`), check it with `kopir federation validate`, then',
  ' sign it with `kopir federation sign`: services load only the signed form, and refuse it once expired.',
  ' See docs/access-rules.md.',
].join('\n');

const SECTION_NOTES: Record<string, string> = {
  version: ' Raise it with every change: services never go back to a lower version.',
  agencies: ' Agencies and their systems; a system has a TLS certificate fingerprint and a signing key (JWK).',
  purposes: ' Purposes a request may declare in Kopir-Purpose; rules cite the legal basis for each.',
  groups: ' Named groups of client systems; a rule granted to a group applies to each member.',
  services: ' Services: request and response JSON Schemas, returnable fields with their sensitivity, provider topic.',
  rules: ' Access rules. Deny by default: only what a rule lists is allowed. Revoked rules stay, for the record.',
  officers: ' Officers, by the identity in their client certificate (urn:kopir:officer:<id>), and their roles.',
};

/**
 * Writes small collections (a JSON Schema property, a field) on one line, `{ type: string, pattern: ... }`, so the
 * services section reads like a table rather than hundreds of lines.
 */
function compact(node: unknown): void {
  if (!isMap(node) && !isSeq(node)) return;
  const items: unknown[] = isMap(node) ? node.items.map((p) => p.value) : node.items;
  items.forEach(compact);
  const leaf = items.every((item) => isScalar(item));
  if (leaf && items.length > 0 && items.length <= 5) node.flow = true;
}

function stripUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Parses and checks a YAML federation document in one step. */
export function parseFederationYaml(text: string, source = 'federation.yaml'): FederationDocument {
  return FederationYaml.parse(text, source).toDocument();
}
