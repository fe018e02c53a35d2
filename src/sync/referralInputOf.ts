import type { ReferralInput } from '../domain/referralInput.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';

/** The client's normalised referral in the shape the domain reads (links as `{ uri }` objects). */
export function referralInputOf(referral: PcReferral): ReferralInput {
  return {
    ...referral,
    links: { self: { uri: referral.links.self }, relatedReferrals: { uri: referral.links.relatedReferrals } },
  };
}
