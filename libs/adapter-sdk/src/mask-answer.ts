/**
 * Removes from an answer every field the access rule does not allow. `fields` are the rule's field names: a
 * top-level name allows that member whole; a dotted name (`vehicles.plate`) allows only that member inside it (for
 * arrays of objects, inside each item). An answer that is an array is masked item by item. Anything not named is
 * dropped, never passed through: deny by default (DESIGN.md "Access rules").
 */
export function maskAnswer(answer: unknown, fields: readonly string[]): unknown {
  return applyMask(answer, maskTree(fields));
}

/** `true`: the whole value; a map: only these members. */
type Mask = true | Map<string, Mask>;

function maskTree(fields: readonly string[]): Map<string, Mask> {
  const root = new Map<string, Mask>();
  for (const field of fields) {
    let node = root;
    const parts = field.split('.');
    parts.forEach((part, i) => {
      const existing = node.get(part);
      if (existing === true) return;
      if (i === parts.length - 1) {
        node.set(part, true);
        return;
      }
      const next = existing ?? new Map<string, Mask>();
      node.set(part, next);
      node = next;
    });
  }
  return root;
}

function applyMask(value: unknown, mask: Mask): unknown {
  if (mask === true) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => applyMask(item, mask));
  // null says only "absent"; any other scalar where the rule names members is not allowed by name, so it never leaves.
  if (value === null) return null;
  if (typeof value !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, inner] of mask) {
    if (Object.prototype.hasOwnProperty.call(value, name)) {
      const masked = applyMask((value as Record<string, unknown>)[name], inner);
      if (masked !== undefined) out[name] = masked;
    }
  }
  return out;
}
