/**
 * The mapping's JSONata transforms, applied where the sync writes: Salesforce fields computed from the deal,
 * and Partner Center values (JSON Pointers) computed from the deal and the referral. Only values that differ
 * from what the side holds are returned, so a transform never causes a write — or an echo — by itself.
 */
import type { CoSellDeal } from '../coSellDeal.ts';
import { deepEqual } from '../deepEqual.ts';
import { applyTransforms } from './applyTransforms.ts';
import type { Mapping } from './mappingSchema.ts';
import type { JsonPatchOperation } from './referralPatchOps.ts';

/** A transform that failed (syntax, a runtime error, a limit): the deal cannot be planned until the mapping is fixed. */
export class TransformError extends Error {
  override readonly name = 'TransformError';
}

const unescapePointer = (segment: string): string => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/** The value at a JSON Pointer (undefined when any step is missing). */
export function valueAtPointer(document: unknown, pointer: string): unknown {
  let node = document;
  for (const segment of pointer.split('/').slice(1).map(unescapePointer)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** Sets a value at a JSON Pointer, creating objects on the way. */
export function setAtPointer(document: Record<string, unknown>, pointer: string, value: unknown): void {
  const segments = pointer.split('/').slice(1).map(unescapePointer);
  let node = document;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (next === null || typeof next !== 'object') node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  const last = segments[segments.length - 1];
  if (last !== undefined) node[last] = value;
}

async function evaluate(
  input: Parameters<typeof applyTransforms>[0],
  mapping: Mapping,
): Promise<Record<string, unknown>> {
  if (Object.keys(mapping.transforms[input.target]).length === 0) return {};
  const result = await applyTransforms(input, mapping);
  if (result.ok) return result.value;
  throw new TransformError(result.error.map((problem) => problem.message).join('; '));
}

/** Salesforce fields the transforms want that differ from the opportunity's current values. */
export async function salesforceTransformFields(
  mapping: Mapping,
  deal: CoSellDeal,
  opportunity: Readonly<Record<string, unknown>> | null,
): Promise<Record<string, unknown>> {
  const values = await evaluate({ target: 'salesforce', deal, opportunity: opportunity ?? {} }, mapping);
  return Object.fromEntries(
    Object.entries(values).filter(([field, value]) => !deepEqual(opportunity?.[field] ?? null, value)),
  );
}

/** JSON Patch `add` operations for the Partner Center transforms whose value differs from the referral's. */
export async function partnerCenterTransformOperations(
  mapping: Mapping,
  deal: CoSellDeal,
  referral: Record<string, unknown>,
): Promise<JsonPatchOperation[]> {
  const values = await evaluate({ target: 'partnerCenter', deal, referral }, mapping);
  return Object.entries(values)
    .filter(([pointer, value]) => !deepEqual(valueAtPointer(referral, pointer) ?? null, value))
    .map(([path, value]) => ({ op: 'add', path, value }));
}

/** The create body with the Partner Center transforms applied. */
export async function withPartnerCenterTransforms(
  mapping: Mapping,
  deal: CoSellDeal,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const values = await evaluate({ target: 'partnerCenter', deal, referral: body }, mapping);
  const copy = structuredClone(body);
  for (const [pointer, value] of Object.entries(values)) setAtPointer(copy, pointer, value);
  return copy;
}
