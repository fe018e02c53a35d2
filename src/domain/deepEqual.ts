/** Structural equality for plain JSON values (key order does not matter; `undefined` properties equal missing ones). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index += 1) if (!deepEqual(a[index], b[index])) return false;
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  // Without collecting the keys: the planner compares every field of every deal it plans.
  for (const key in left) if (Object.hasOwn(left, key) && !deepEqual(left[key], right[key])) return false;
  for (const key in right)
    if (Object.hasOwn(right, key) && !Object.hasOwn(left, key) && right[key] !== undefined) return false;
  return true;
}
