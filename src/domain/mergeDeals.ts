import {
  type CoSellDeal,
  type DealCollection,
  type DealCustomer,
  type DealField,
  dealFields,
  emailKey,
  type FieldChange,
} from './coSellDeal.ts';
import { deepEqual } from './deepEqual.ts';
import type { ConflictPolicy, Mapping } from './mapping/mappingSchema.ts';
import { sharedWithMicrosoftBody } from './mapping/referralWireValues.ts';
import { salesforceKnows, salesforceStores } from './mapping/salesforceStores.ts';
import { salesforceView } from './mapping/salesforceView.ts';

export type DealSide = 'partnerCenter' | 'salesforce';

/** Both sides changed the same thing to different values since the base; `winner` is whose value was kept. */
export interface MergeConflict {
  field: DealField;
  /** Where inside the field, e.g. `customer.city` or `solutions[SOL-1].name`; equals `field` for whole fields. */
  path: string;
  base: unknown;
  partnerCenter: unknown;
  salesforce: unknown;
  winner: DealSide;
}

export interface MergeDealsInput {
  /** The last state both sides agreed on; `null` on the first sync of a pair. */
  base: CoSellDeal | null;
  partnerCenter: CoSellDeal;
  salesforce: CoSellDeal;
  mapping: Mapping;
  /** When each side last changed (ISO-8601 instants), for the `newest` conflict policy; ties go to Partner Center. */
  partnerCenterChangedAt: string | null;
  salesforceChangedAt: string | null;
  /** First sync (base null): the side that created the deal wins where the sides differ. Default `partnerCenter`. */
  creator?: DealSide;
}

export interface MergeDealsResult {
  /** The agreed deal: store it as the next base after writing the changes. */
  merged: CoSellDeal;
  /** What to write to Salesforce: `before` is Salesforce's current value. */
  toSalesforce: FieldChange[];
  /** What to write to Partner Center: `before` is Partner Center's current value. */
  toPartnerCenter: FieldChange[];
  conflicts: MergeConflict[];
}

/** Merge units: status and substatus travel together, so `substatus` is merged as part of `status`. */
type MergeUnit = Exclude<DealField, 'substatus'>;

const keyOf: { [K in DealCollection]: (item: CoSellDeal[K][number]) => string } = {
  customerContacts: (item) => emailKey(item.email),
  solutions: (item) => item.id,
  partnerTeam: (item) => emailKey(item.email),
};

const isCollection = (field: DealField): field is DealCollection =>
  field === 'customerContacts' || field === 'solutions' || field === 'partnerTeam';

interface Context {
  policy: ConflictPolicy;
  field: DealField;
  /** No base at all (first sync): differences go to the creator without a conflict entry. */
  firstSync: boolean;
  creator: DealSide;
  newest: DealSide;
  conflicts: MergeConflict[];
}

/** Who wins a real conflict under a policy. */
const winnerOf = (context: Context): DealSide =>
  context.policy === 'newest' ? context.newest : context.policy;

const absent = Symbol('absent');
type Maybe<T> = T | typeof absent;

/** 3-way merge of one value. `base === absent` means neither side had it before (added on both). */
function mergeValue<T>(base: Maybe<T>, partnerCenter: T, salesforce: T, path: string, context: Context): T {
  if (deepEqual(partnerCenter, salesforce)) return partnerCenter;
  if (context.firstSync) return context.creator === 'partnerCenter' ? partnerCenter : salesforce;
  if (base !== absent && deepEqual(partnerCenter, base)) return salesforce;
  if (base !== absent && deepEqual(salesforce, base)) return partnerCenter;
  const winner = winnerOf(context);
  context.conflicts.push({
    field: context.field,
    path,
    base: base === absent ? null : base,
    partnerCenter,
    salesforce,
    winner,
  });
  return winner === 'partnerCenter' ? partnerCenter : salesforce;
}

/** Attribute-by-attribute 3-way merge of two records with the same keys. */
function mergeRecord<T extends object>(
  base: Maybe<T>,
  partnerCenter: T,
  salesforce: T,
  path: string,
  context: Context,
): T {
  const merged = { ...partnerCenter };
  for (const attribute of Object.keys(partnerCenter) as (keyof T & string)[]) {
    const baseValue = base === absent ? absent : base[attribute];
    merged[attribute] = mergeValue(
      baseValue,
      partnerCenter[attribute],
      salesforce[attribute],
      `${path}.${attribute}`,
      context,
    );
  }
  return merged;
}

/**
 * Keyed-set merge: added on either side → added; removed on one side and unchanged on the other → removed;
 * removed on one side and changed on the other → conflict (policy decides); present on both → record merge.
 * On the first sync the union is kept (nothing is removed without a base to compare with).
 */
function mergeCollection<K extends DealCollection>(
  field: K,
  base: CoSellDeal[K] | null,
  partnerCenter: CoSellDeal[K],
  salesforce: CoSellDeal[K],
  context: Context,
): CoSellDeal[K] {
  type Item = CoSellDeal[K][number];
  const key = keyOf[field] as (item: Item) => string;
  const index = (items: readonly Item[]) => new Map(items.map((item) => [key(item), item]));
  const baseItems = index(base ?? []);
  const pcItems = index(partnerCenter);
  const sfItems = index(salesforce);
  const keys = [...new Set([...baseItems.keys(), ...pcItems.keys(), ...sfItems.keys()])].sort();
  const merged: Item[] = [];
  for (const itemKey of keys) {
    const path = `${field}[${itemKey}]`;
    const b = baseItems.get(itemKey);
    const p = pcItems.get(itemKey);
    const s = sfItems.get(itemKey);
    if (p !== undefined && s !== undefined) {
      merged.push(mergeRecord(b ?? absent, p, s, path, context));
      continue;
    }
    const present = p ?? s;
    if (present === undefined) continue;
    if (b === undefined || context.firstSync) {
      merged.push(present);
      continue;
    }
    if (deepEqual(present, b)) continue;
    const keeper: DealSide = p !== undefined ? 'partnerCenter' : 'salesforce';
    const winner = winnerOf(context);
    context.conflicts.push({
      field,
      path,
      base: b,
      partnerCenter: p ?? null,
      salesforce: s ?? null,
      winner,
    });
    if (winner === keeper) merged.push(present);
  }
  return merged as CoSellDeal[K];
}

function newestSide(partnerCenterChangedAt: string | null, salesforceChangedAt: string | null): DealSide {
  const pc = partnerCenterChangedAt === null ? Number.NaN : Date.parse(partnerCenterChangedAt);
  const sf = salesforceChangedAt === null ? Number.NaN : Date.parse(salesforceChangedAt);
  if (Number.isNaN(sf)) return 'partnerCenter';
  if (Number.isNaN(pc)) return 'salesforce';
  return sf > pc ? 'salesforce' : 'partnerCenter';
}

/** Merges one unit into `into` (the deal being merged). */
function mergeUnit(unit: MergeUnit, input: MergeDealsInput, context: Context, into: CoSellDeal): void {
  const { base, partnerCenter: pc, salesforce: sf, mapping } = input;
  const target = into as unknown as Record<MergeUnit, unknown>;
  const spec = mapping.fields[unit];
  const take = (deal: CoSellDeal) => {
    target[unit] = deal[unit];
    if (unit === 'status') into.substatus = deal.substatus;
  };
  const oneWayFrom =
    !salesforceKnows(unit, sf, mapping) || spec.direction === 'toSalesforce'
      ? pc
      : spec.direction === 'toPartnerCenter'
        ? sf
        : null;
  if (oneWayFrom) {
    take(oneWayFrom);
    return;
  }
  if (unit === 'status') {
    const pair = (deal: CoSellDeal) => ({ status: deal.status, substatus: deal.substatus });
    const merged = mergeValue(base === null ? absent : pair(base), pair(pc), pair(sf), 'status', context);
    into.status = merged.status;
    into.substatus = merged.substatus;
    return;
  }
  if (isCollection(unit)) {
    target[unit] = mergeCollection(unit, base?.[unit] ?? null, pc[unit], sf[unit], context);
    return;
  }
  if (unit === 'customer') {
    const pcCustomer = pc.customer;
    const sfCustomer = sf.customer as DealCustomer;
    if (pcCustomer === null) {
      into.customer = sfCustomer;
      return;
    }
    const baseCustomer = base === null || base.customer === null ? absent : base.customer;
    into.customer = mergeRecord(baseCustomer, pcCustomer, sfCustomer, 'customer', context);
    return;
  }
  target[unit] = mergeValue(base === null ? absent : base[unit], pc[unit], sf[unit], unit, context);
}

/**
 * Deadlines follow the status: only a New referral has an accept-by date and only an Active one an act-by date,
 * so accepting or closing a referral clears them on the opportunity in the same sync.
 */
function withDeadlinesOfStatus(deal: CoSellDeal): CoSellDeal {
  const acceptByDate = deal.status === 'New' ? deal.acceptByDate : null;
  const actByDate = deal.status === 'Active' ? deal.actByDate : null;
  return acceptByDate === deal.acceptByDate && actByDate === deal.actByDate
    ? deal
    : { ...deal, acceptByDate, actByDate };
}

/**
 * Asking Microsoft for help shares the referral with Microsoft sellers (Partner Center shows it to them, and the
 * patch sends the consent so), so the merged deal says it is shared and the opportunity's box is ticked to match.
 */
function withSharingOfHelp(deal: CoSellDeal): CoSellDeal {
  const shared = sharedWithMicrosoftBody(deal);
  return shared === deal.shareWithMicrosoftSellers ? deal : { ...deal, shareWithMicrosoftSellers: shared };
}

/** The changes that make `current` equal to `merged` on the fields a side may receive. */
function changesFor(
  current: CoSellDeal,
  merged: CoSellDeal,
  include: (field: DealField) => boolean,
): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of dealFields) {
    if (include(field) && !deepEqual(current[field], merged[field])) {
      changes.push({ field, before: current[field], after: merged[field] } as FieldChange);
    }
  }
  return changes;
}

/**
 * 3-way merge of a deal's two sides against the base, field by field and per child collection.
 * - changed on one side → copied to the other; changed on both to the same value → nothing;
 * - changed on both differently → the field's conflict policy, recorded in `conflicts`;
 * - a `toSalesforce` field always takes Partner Center's value (a Salesforce edit is overwritten), a
 *   `toPartnerCenter` field always takes Salesforce's, so a one-way field never produces a change the other way;
 * - fields Salesforce does not store (see `salesforceStores`) take Partner Center's value and produce no
 *   Salesforce change, and so do attributes it does not store (e.g. account size without a size field);
 *   status and substatus merge as one value.
 * When a stage move sends a new status to Partner Center, `toSalesforce` also carries a `status` change (often with
 * `before` equal to `after`) so the opportunity's status text records the new Partner Center status.
 * When both sides equal the base the result has no changes (echo suppression).
 */
export function mergeDeals(request: MergeDealsInput): MergeDealsResult {
  const { mapping } = request;
  const input: MergeDealsInput = {
    ...request,
    salesforce: salesforceView(request.salesforce, request.partnerCenter, request.base, mapping),
  };
  const conflicts: MergeConflict[] = [];
  const creator = input.creator ?? 'partnerCenter';
  const newest = newestSide(input.partnerCenterChangedAt, input.salesforceChangedAt);
  // One deal filled in unit by unit (a copy per unit made merging a deal quadratic in its fields).
  const unitByUnit: CoSellDeal = { ...input.partnerCenter };
  for (const unit of dealFields) {
    if (unit === 'substatus') continue;
    const context: Context = {
      policy: mapping.fields[unit].conflict,
      field: unit,
      // A base written before this field existed has no value for it: treat it like a first sync of that field.
      firstSync: input.base === null || input.base[unit] === undefined,
      creator,
      newest,
      conflicts,
    };
    mergeUnit(unit, input, context, unitByUnit);
  }
  const merged = withSharingOfHelp(withDeadlinesOfStatus(unitByUnit));
  const direction = (field: DealField) => mapping.fields[field === 'substatus' ? 'status' : field].direction;
  const toSalesforce = changesFor(
    input.salesforce,
    merged,
    (field) => salesforceStores(field, mapping) && direction(field) !== 'toPartnerCenter',
  );
  const toPartnerCenter = changesFor(
    input.partnerCenter,
    merged,
    (field) => direction(field) !== 'toSalesforce',
  );
  const statusSent = toPartnerCenter.some(
    (change) => change.field === 'status' || change.field === 'substatus',
  );
  const statusWritten = toSalesforce.some(
    (change) => change.field === 'status' || change.field === 'substatus',
  );
  if (statusSent && !statusWritten && salesforceStores('status', mapping)) {
    // The stage already says it; the status text field must learn what Partner Center now holds.
    toSalesforce.push({ field: 'status', before: input.salesforce.status, after: merged.status });
  }
  return { merged, toSalesforce, toPartnerCenter, conflicts };
}

/**
 * The base with each conflict recorded as seen: the losing side's value in place of the base's (an item or customer
 * both sides added is taken from the merged deal), so that merging the same two sides again gives the same deal
 * without the conflict, whatever the sides' timestamps say by then (the connector's own write to a side makes it the
 * newer one). For a merged deal that was refused and not written.
 */
export function baseWithConflictsSeen(base: CoSellDeal, result: MergeDealsResult): CoSellDeal {
  const seen = structuredClone(base) as unknown as Record<string, unknown>;
  const merged = result.merged as unknown as Record<string, unknown>;
  for (const conflict of result.conflicts) {
    const loser = conflict.winner === 'partnerCenter' ? conflict.salesforce : conflict.partnerCenter;
    const [, field = '', itemKey, attribute] = /^(\w+)(?:\[(.+)\])?(?:\.(\w+))?$/.exec(conflict.path) ?? [];
    if (itemKey === undefined) {
      if (attribute === undefined)
        Object.assign(seen, field === 'status' ? (loser as object) : { [field]: loser });
      else seen[field] = { ...((seen[field] ?? merged[field]) as object), [attribute]: loser };
      continue;
    }
    if (!isCollection(field as DealField)) continue;
    const key = keyOf[field as DealCollection] as (item: unknown) => string;
    const items = [...((seen[field] as unknown[] | undefined) ?? [])];
    const index = items.findIndex((item) => key(item) === itemKey);
    if (attribute !== undefined) {
      const item =
        index >= 0 ? items[index] : (merged[field] as unknown[]).find((entry) => key(entry) === itemKey);
      const updated = { ...(item as object), [attribute]: loser };
      if (index >= 0) items[index] = updated;
      else items.push(updated);
    } else if (loser === null) {
      if (index >= 0) items.splice(index, 1);
    } else if (index >= 0) items[index] = loser;
    else items.push(loser);
    seen[field] = items;
  }
  return seen as unknown as CoSellDeal;
}

/** The deal after writing `changes` to it: what a side looks like once the sync has written to it. */
export function applyChanges(deal: CoSellDeal, changes: readonly FieldChange[]): CoSellDeal {
  const next: CoSellDeal = { ...deal };
  for (const change of changes) Object.assign(next, { [change.field]: change.after });
  return next;
}
