import type { Result } from '../shared/result.ts';
import { fail, ok } from '../shared/result.ts';
import {
  type ReferralStatus,
  type ReferralSubstatus,
  referralStatuses,
  referralSubstatuses,
  statusText,
} from './coSellDeal.ts';
import type { Mapping } from './mapping/mappingSchema.ts';

/** A status with its substatus, e.g. `{ status: 'Active', substatus: 'Accepted' }`. */
export interface StatusPair {
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

/** True when the substatus belongs to the status (e.g. Active/Accepted, not Active/Won). */
export const isValidStatusPair = (pair: StatusPair): boolean =>
  allowedSubstatuses[pair.status].includes(pair.substatus);

/** Parse `Status/Substatus` text (the Salesforce status field), or null when it is not a valid pair. */
export function parseStatusText(text: string | null | undefined): StatusPair | null {
  const [status, substatus, ...rest] = (text ?? '').split('/').map((part) => part.trim());
  if (rest.length > 0 || !isReferralStatus(status) || !isReferralSubstatus(substatus)) return null;
  const pair = { status, substatus };
  return isValidStatusPair(pair) ? pair : null;
}

const sameStatus = (a: StatusPair, b: StatusPair): boolean =>
  a.status === b.status && a.substatus === b.substatus;

/**
 * Check a status change against Partner Center's rules before any call is made.
 * Fails with `invalid_status` for a pair outside the table, `closed_referral` for any change to a closed
 * referral, and `invalid_transition` for a move the table forbids (e.g. Active → New).
 */
export function checkTransition(from: StatusPair, to: StatusPair): Result<StatusPair> {
  if (!isValidStatusPair(to)) {
    return fail({
      code: 'invalid_status',
      message: `${statusText(to.status, to.substatus)} is not a valid Partner Center status; ${to.status} allows the substatus ${allowedSubstatuses[to.status].join(', ')}`,
      path: 'substatus',
    });
  }
  if (sameStatus(from, to)) return ok(to);
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

const isBlank = (text: string | null | undefined): boolean =>
  text === null || text === undefined || text.trim() === '';
const lostSubstatuses: readonly ReferralSubstatus[] = ['Lost', 'Declined', 'Expired'];

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
 */
export function statusFromStage(
  stage: string,
  context: { declineReason?: string | null | undefined; current: StatusPair | null },
  mapping: Mapping,
): StatusFromStage {
  const { current, declineReason } = context;
  const { stages } = mapping;
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
  return { status: 'Active', substatus: 'Accepted' };
}

/**
 * The Salesforce stage for a referral status. New ⇒ on-hold stage; Active ⇒ the current stage when it is
 * already an open stage past on-hold, else the accept stage; Closed/Won ⇒ the first won stage (or the current one
 * if it is a won stage); Closed/Lost ⇒ likewise for lost stages; Declined / Expired ⇒ their configured stages.
 */
export function stageFromStatus(
  status: ReferralStatus,
  substatus: ReferralSubstatus,
  mapping: Mapping,
  currentStage: string | null,
): string {
  const { stages } = mapping;
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
