/**
 * An earlier sync stores the changes it is writing on the link before the call and clears them with its audit
 * entry. When its job died in between, the next sync gets them back: the ones whose side now holds the value
 * written, which the base never recorded, landed — this sync records them, so every write has its audit entry.
 * A change its side does not hold (the call never landed, or a later edit replaced it) is not claimed: the
 * merge plans whatever is still to write, and its own audit entry records that.
 */
import type { CoSellDeal } from '../coSellDeal.ts';
import type { AuditChange, PendingWrite } from '../dealPlan.ts';
import { deepEqual } from '../deepEqual.ts';

export function landedChanges(
  pending: PendingWrite | null | undefined,
  base: CoSellDeal | null,
  sides: { partnerCenter: CoSellDeal; salesforce: CoSellDeal },
): AuditChange[] {
  if (!pending) return [];
  const valueIn = (deal: CoSellDeal | null, field: string): unknown =>
    deal ? ((deal as unknown as Record<string, unknown>)[field] ?? null) : null;
  return pending.changes.filter(
    (change) =>
      deepEqual(valueIn(sides[change.side], change.field), change.after ?? null) &&
      !deepEqual(valueIn(base, change.field), change.after ?? null),
  );
}
