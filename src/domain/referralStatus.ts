import type { Result } from '../shared/result.ts';
import { fail, ok } from '../shared/result.ts';
import {
  type OpenValue,
  type ReferralStatus,
  type ReferralSubstatus,
  referralStatuses,
  referralSubstatuses,
  statusText,
} from './coSellDeal.ts';
import type { Mapping } from './mapping/mappingSchema.ts';

/**
 * A status with its substatus, e.g. `{ status: 'Active', substatus: 'Accepted' }`. Either may be a value Microsoft
 * added after this table was written (e.g. `Active/Qualify`); such a pair is kept and shown, never sent.
 */
export interface StatusPair {
  status: OpenValue<ReferralStatus>;
  substatus: OpenValue<ReferralSubstatus>;
}

/** A pair of the status table (both values known). */
export interface KnownStatusPair {
  status: ReferralStatus;
  substatus: ReferralSubstatus;
}

/** Which statuses each status may move to (spec §2). Closed is terminal. */
export const statusTransitions: Readonly<Record<ReferralStatus, readonly ReferralStatus[]>> = {
  New: ['New', 'Active', 'Closed'],
  Active: ['Active', 'Closed'],
  Closed: ['Closed'],
};

/** Which substatuses each status allows (spec §2). */
export const allowedSubstatuses: Readonly<Record<ReferralStatus, readonly ReferralSubstatus[]>> = {
  New: ['Pending', 'Received'],
  Active: ['Accepted'],
  Closed: ['Won', 'Lost', 'Declined', 'Expired'],
};

export const isReferralStatus = (value: unknown): value is ReferralStatus =>
  (referralStatuses as readonly unknown[]).includes(value);
export const isReferralSubstatus = (value: unknown): value is ReferralSubstatus =>
  (referralSubstatuses as readonly unknown[]).includes(value);

/** True when both values are known and the substatus belongs to the status (e.g. Active/Accepted, not Active/Won). */
export const isValidStatusPair = (pair: StatusPair): pair is KnownStatusPair =>
  isReferralStatus(pair.status) &&
  isReferralSubstatus(pair.substatus) &&
  allowedSubstatuses[pair.status].includes(pair.substatus);

/**
 * Parse `Status/Substatus` text (the Salesforce status field). A pair of the table gets its canonical spelling;
 * another non-empty pair (a value Microsoft added, e.g. `Active/Qualify`) is kept as written. Null otherwise.
 */
export function parseStatusText(text: string | null | undefined): StatusPair | null {
  const [status, substatus, ...rest] = (text ?? '').split('/').map((part) => part.trim());
  if (rest.length > 0 || !status || !substatus) return null;
  const known = {
    status: referralStatuses.find((value) => value.toLowerCase() === status.toLowerCase()),
    substatus: referralSubstatuses.find((value) => value.toLowerCase() === substatus.toLowerCase()),
  };
  const pair = { status: known.status ?? status, substatus: known.substatus ?? substatus };
  if (isValidStatusPair(pair)) return pair;
  // A known status with a substatus of another status (e.g. Active/Won) is a typo, not a new value.
  return known.substatus !== undefined ? null : pair;
}

/** The stage the mapping gives a status pair by its text (`stages.statusStages`), if any. */
export const mappedStageFor = (pair: StatusPair, mapping: Mapping): string | undefined => {
  const text = statusText(pair.status, pair.substatus).toLowerCase();
  const entry = Object.entries(mapping.stages.statusStages).find(([key]) => key.toLowerCase() === text);
  return entry?.[1];
};

const sameStatus = (a: StatusPair, b: StatusPair): boolean =>
  a.status === b.status && a.substatus === b.substatus;

/**
 * Check a status change against Partner Center's rules before any call is made.
 * Fails with `invalid_status` for a pair outside the table, `closed_referral` for any change to a closed
 * referral, and `invalid_transition` for a move the table forbids (e.g. Active → New).
 */
export function checkTransition(from: StatusPair, to: StatusPair): Result<StatusPair> {
  if (sameStatus(from, to)) return ok(to);
  if (!isValidStatusPair(to)) {
    const allowed = isReferralStatus(to.status)
      ? `${to.status} allows the substatus ${allowedSubstatuses[to.status].join(', ')}`
      : `the connector sends only the statuses ${referralStatuses.join(', ')}`;
    return fail({
      code: 'invalid_status',
      message: `${statusText(to.status, to.substatus)} is not a Partner Center status the connector can send; ${allowed}`,
      path: 'substatus',
    });
  }
  // A status Microsoft added after this table was written: its rules are unknown, so Partner Center decides.
  if (!isReferralStatus(from.status)) return ok(to);
  if (from.status === 'Closed') {
    return fail({
      code: 'closed_referral',
      message: `The referral is closed (${statusText(from.status, from.substatus)}) and Partner Center does not allow changes to it; create a new opportunity for new business or set the stage back to match`,
      path: 'status',
    });
  }
  if (!statusTransitions[from.status].includes(to.status)) {
    return fail({
      code: 'invalid_transition',
      message: `A referral cannot move from ${statusText(from.status, from.substatus)} to ${statusText(to.status, to.substatus)}; it can only move to ${statusTransitions[from.status].join(' or ')}`,
      path: 'status',
    });
  }
  return ok(to);
}

/** The status a stage implies; `statusReason` is set when the move declines the referral. */
export interface StatusFromStage extends StatusPair {
  statusReason?: string;
}

const lostSubstatuses: readonly string[] = ['Lost', 'Declined', 'Expired'];

const isBlank = (text: string | null | undefined): boolean =>
  text === null || text === undefined || text.trim() === '';
/** True when the stage is one of the mapping's closed (won or lost) stages. */
export const isClosedStage = (stage: string, mapping: Mapping): boolean =>
  mapping.stages.wonStages.includes(stage) || mapping.stages.lostStages.includes(stage);

/**
 * The referral status a Salesforce stage implies (the status ⇄ stage table of the mapping).
 * - on-hold stage ⇒ New/Pending (an already accepted referral stays Active/Accepted: it cannot go back);
 * - any other open stage ⇒ Active/Accepted (leaving on-hold accepts the referral);
 * - a won stage ⇒ Closed/Won;
 * - a lost stage ⇒ Closed/Declined with the decline reason when the referral was not accepted yet (New) and a
 *   decline reason is given, else Closed/Lost; a referral already closed as lost/declined/expired keeps its substatus.
 * A closed `current` with an open stage yields the open status: `checkTransition` then refuses the reopening.
 * A stage the mapping gives the current status (`stages.statusStages`, e.g. a Joint Planning `New/Evaluate`) and any
 * open stage while the referral is Active (whatever its substatus, e.g. `Active/Qualify`) keep the current status.
 */
export function statusFromStage(
  stage: string,
  context: { declineReason?: string | null | undefined; current: StatusPair | null },
  mapping: Mapping,
): StatusFromStage {
  const { current, declineReason } = context;
  const { stages } = mapping;
  if (current !== null && mappedStageFor(current, mapping) === stage) return current;
  if (stages.wonStages.includes(stage)) {
    return current?.status === 'Closed' && current.substatus === 'Won'
      ? current
      : { status: 'Closed', substatus: 'Won' };
  }
  if (stages.lostStages.includes(stage)) {
    if (current?.status === 'Closed' && lostSubstatuses.includes(current.substatus)) return current;
    const explicitDeclineStage = stage === stages.declined && stages.declined !== stages.lostStages[0];
    if ((explicitDeclineStage || current?.status === 'New') && !isBlank(declineReason)) {
      return { status: 'Closed', substatus: 'Declined', statusReason: (declineReason ?? '').trim() };
    }
    return { status: 'Closed', substatus: 'Lost' };
  }
  if (stage === stages.onHold) {
    if (current?.status === 'Active') return current;
    if (current?.status === 'New') return current;
    return { status: 'New', substatus: 'Pending' };
  }
  if (current?.status === 'Active') return current;
  return { status: 'Active', substatus: 'Accepted' };
}

/**
 * The Salesforce stage for a referral status. A pair listed in `stages.statusStages` ⇒ its stage. New ⇒ on-hold
 * stage; Active ⇒ the current stage when it is already an open stage past on-hold, else the accept stage;
 * Closed/Won ⇒ the first won stage (or the current one if it is a won stage); Closed/Lost ⇒ likewise for lost
 * stages; Declined / Expired ⇒ their configured stages. A substatus or status that is neither known nor listed
 * keeps the current stage (the status text field shows the value); a new opportunity gets the on-hold stage.
 */
export function stageFromStatus(
  status: OpenValue<ReferralStatus>,
  substatus: OpenValue<ReferralSubstatus>,
  mapping: Mapping,
  currentStage: string | null,
): string {
  const { stages } = mapping;
  const mapped = mappedStageFor({ status, substatus }, mapping);
  if (mapped !== undefined) return mapped;
  if (!isValidStatusPair({ status, substatus })) {
    return currentStage ?? (status === 'Closed' ? (stages.lostStages[0] ?? 'Closed Lost') : stages.onHold);
  }
  const keepIf = (candidates: readonly string[], fallback: string): string =>
    currentStage !== null && candidates.includes(currentStage) ? currentStage : fallback;
  if (status === 'New') return stages.onHold;
  if (status === 'Active') {
    const open =
      currentStage !== null && currentStage !== stages.onHold && !isClosedStage(currentStage, mapping);
    return open ? currentStage : stages.accept;
  }
  switch (substatus) {
    case 'Won':
      return keepIf(stages.wonStages, stages.wonStages[0] ?? 'Closed Won');
    case 'Declined':
      return stages.declined;
    case 'Expired':
      return stages.expired;
    default:
      return keepIf(stages.lostStages, stages.lostStages[0] ?? 'Closed Lost');
  }
}
