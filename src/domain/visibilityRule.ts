import type { DomainError } from '../shared/result.ts';
import type { CoSellDeal } from './coSellDeal.ts';
import { sharedWithMicrosoftBody } from './mapping/referralWireValues.ts';

/** What decides whether a referral is visible to Microsoft sellers. */
export type SharingState = Pick<CoSellDeal, 'shareWithMicrosoftSellers' | 'assistanceRequestCode' | 'type'>;

/** True when Partner Center shows the referral to Microsoft sellers: shared consent, help requested, or type Shared. */
export const isSharedWithMicrosoft = (state: SharingState): boolean =>
  sharedWithMicrosoftBody(state) || state.type === 'Shared';

/** The refusal code for taking back a share with Microsoft sellers. */
export const VISIBILITY_IRREVERSIBLE = 'visibility_irreversible';

/**
 * Partner Center does not let a referral that Microsoft sellers can see become private again (spec 2026 review
 * #8: "After this field is marked as visible, it can't be reverted"). Returns the refusal, with what the seller can
 * do, when `next` would un-share a referral that `current` shows to Microsoft; null otherwise.
 */
export function checkVisibility(
  current: SharingState,
  next: Pick<CoSellDeal, 'shareWithMicrosoftSellers' | 'assistanceRequestCode'>,
): (DomainError & { path: string }) | null {
  if (!isSharedWithMicrosoft(current) || sharedWithMicrosoftBody(next)) return null;
  return {
    code: VISIBILITY_IRREVERSIBLE,
    path: 'shareWithMicrosoftSellers',
    message:
      'This referral is already shared with Microsoft sellers, and Partner Center does not allow making it private again, so the change was not sent. Tick Share with Microsoft Sellers again to resume syncing; to stop working the deal, close the opportunity instead',
  };
}
