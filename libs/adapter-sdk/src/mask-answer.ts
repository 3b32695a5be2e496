import { applyFieldMask } from '@kopir/access-policy';

/**
 * Removes from an answer every field the access rule does not allow. `fields` are the rule's field names: a
 * top-level name allows that member whole; a dotted name (`vehicles.plate`) allows only that member inside it (for
 * arrays of objects, inside each item). An answer that is an array is masked item by item. Anything not named is
 * dropped, never passed through: deny by default (DESIGN.md "Access rules"). One implementation with the gateway's
 * (@kopir/access-policy applyFieldMask), so both ends enforce the same mask.
 */
export function maskAnswer(answer: unknown, fields: readonly string[]): unknown {
  return applyFieldMask(answer, fields);
}
