import { canonicalize } from '@kopir/envelope';
import type { FederationDocument } from './federation-document';

/** One difference between two federation documents, as an officer reviews it before signing. */
export interface FederationChange {
  readonly kind: 'added' | 'removed' | 'changed';
  /** `rule`, `service`, `system`, `agency`, `purpose`, `group`, `officer`, `document`. */
  readonly entity: string;
  readonly id: string;
  /** For `changed`: the members that differ, e.g. `fields`, `purposes`, `revokedAt`. */
  readonly members: readonly string[];
}

type Keyed = Readonly<Record<string, unknown>>;

function compare(
  entity: string,
  before: readonly Keyed[],
  after: readonly Keyed[],
  key: string,
  changes: FederationChange[],
): void {
  const old = new Map(before.map((item) => [String(item[key]), item]));
  const now = new Map(after.map((item) => [String(item[key]), item]));
  for (const [id, item] of now) {
    const was = old.get(id);
    if (was === undefined) {
      changes.push({ kind: 'added', entity, id, members: [] });
      continue;
    }
    const members = [...new Set([...Object.keys(was), ...Object.keys(item)])]
      .filter((m) => canonicalize(was[m] ?? null) !== canonicalize(item[m] ?? null))
      .sort();
    if (members.length > 0) changes.push({ kind: 'changed', entity, id, members });
  }
  for (const id of old.keys()) if (!now.has(id)) changes.push({ kind: 'removed', entity, id, members: [] });
}

/**
 * What changed from `before` to `after`, entity by entity (rules by id, services by id, ...), in the order an
 * officer cares about: access rules first, then the catalogue, then the document's own version and expiry.
 */
export function diffFederation(before: FederationDocument, after: FederationDocument): FederationChange[] {
  const changes: FederationChange[] = [];
  const systems = (d: FederationDocument) => d.agencies.flatMap((a) => a.systems) as unknown as Keyed[];
  const agencies = (d: FederationDocument) => d.agencies.map((a) => ({ ...a, systems: a.systems.map((s) => s.id) }));
  compare('rule', before.rules as unknown as Keyed[], after.rules as unknown as Keyed[], 'id', changes);
  compare(
    'group',
    (before.groups ?? []) as unknown as Keyed[],
    (after.groups ?? []) as unknown as Keyed[],
    'id',
    changes,
  );
  compare('service', before.services as unknown as Keyed[], after.services as unknown as Keyed[], 'id', changes);
  compare('purpose', before.purposes as unknown as Keyed[], after.purposes as unknown as Keyed[], 'code', changes);
  compare('agency', agencies(before), agencies(after), 'code', changes);
  compare('system', systems(before), systems(after), 'id', changes);
  compare('officer', before.officers as unknown as Keyed[], after.officers as unknown as Keyed[], 'id', changes);
  const head = (d: FederationDocument) => [
    { id: d.federation, version: d.version, issuedAt: d.issuedAt, expiresAt: d.expiresAt },
  ];
  compare('document', head(before), head(after), 'id', changes);
  return changes;
}
