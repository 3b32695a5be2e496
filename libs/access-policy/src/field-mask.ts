/**
 * The field mask of an access decision applied to an answer. Fields name members of the answer; a dotted name
 * (`addresses.city`) names a member inside an object or inside each item of a list. Deny by default: whatever the
 * mask does not name is removed.
 */
export function applyFieldMask(answer: unknown, fields: readonly string[]): unknown {
  return apply(answer, maskTree(fields));
}

/** True when the answer holds nothing outside the mask (so the mask would leave it unchanged). */
export function withinFieldMask(answer: unknown, fields: readonly string[]): boolean {
  return within(answer, maskTree(fields));
}

type Mask = true | Map<string, Mask>;

function maskTree(fields: readonly string[]): Map<string, Mask> {
  const root = new Map<string, Mask>();
  for (const field of fields) {
    let node = root;
    const parts = field.split('.');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      const existing = node.get(part);
      // The whole member is allowed already: nothing below it to add (and nothing to add one level up either).
      if (existing === true) break;
      if (i === parts.length - 1) {
        node.set(part, true);
        break;
      }
      const next = existing ?? new Map<string, Mask>();
      node.set(part, next);
      node = next;
    }
  }
  return root;
}

function apply(value: unknown, mask: Mask): unknown {
  if (mask === true) return value;
  if (Array.isArray(value)) {
    // A scalar item where the mask names members is outside the mask: it is removed, as a member would be.
    return value.map((item: unknown) => apply(item, mask)).filter((item) => item !== undefined);
  }
  if (value === null) return null;
  if (typeof value !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, inner] of mask) {
    if (Object.prototype.hasOwnProperty.call(value, name)) {
      const masked = apply((value as Record<string, unknown>)[name], inner);
      if (masked !== undefined) out[name] = masked;
    }
  }
  return out;
}

function within(value: unknown, mask: Mask): boolean {
  if (mask === true || value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.every((item: unknown) => within(item, mask));
  // A scalar where the mask expects members: the whole value is outside it.
  if (typeof value !== 'object') return false;
  return Object.entries(value as Record<string, unknown>).every(([name, member]) => {
    const inner = mask.get(name);
    return inner !== undefined && within(member, inner);
  });
}
