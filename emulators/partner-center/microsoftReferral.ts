import { asJsonObject, helpRequested, type JsonObject } from './referralRules.ts';
import { fillReferral } from './referralTemplate.ts';

/** Microsoft's organization as it appears on referrals (`invitedBy`, owner, target). */
export const MICROSOFT_ORGANIZATION = { organizationId: 'msft', organizationName: 'Microsoft' } as const;

/** A partner's Shared referral that asks Microsoft for help (and did not come from Microsoft) gets Microsoft's side. */
export function needsMicrosoftReferral(referral: JsonObject): boolean {
  if (referral['type'] !== 'Shared' || !helpRequested(referral) || referral['status'] === 'Closed')
    return false;
  if (referral['organizationId'] === MICROSOFT_ORGANIZATION.organizationId) return false;
  const invitedBy = asJsonObject(asJsonObject(referral['inviteContext'])['invitedBy'])['organizationId'];
  return invitedBy !== MICROSOFT_ORGANIZATION.organizationId;
}

/**
 * Microsoft's related referral in the partner referral's engagement: owned by and targeted at `msft`,
 * New/Pending until the Microsoft seller answers, carrying the customer, consent and deal details.
 */
export function microsoftReferralFor(
  partnerReferral: JsonObject,
  fresh: { id: string; eTag: string; at: string },
): JsonObject {
  const inviteContext = asJsonObject(partnerReferral['inviteContext']);
  return fillReferral({
    id: fresh.id,
    engagementId: partnerReferral['engagementId'],
    name: partnerReferral['name'],
    organizationId: MICROSOFT_ORGANIZATION.organizationId,
    organizationName: MICROSOFT_ORGANIZATION.organizationName,
    createdDateTime: fresh.at,
    updatedDateTime: fresh.at,
    status: 'New',
    substatus: 'Pending',
    type: 'Shared',
    qualification: 'None',
    direction: 'Incoming',
    createdVia: 'Microsoft',
    lastModifiedVia: 'Microsoft',
    eTag: fresh.eTag,
    target: [{ type: 'BusinessProfileLocation', id: MICROSOFT_ORGANIZATION.organizationId }],
    customerProfile: structuredClone(asJsonObject(partnerReferral['customerProfile'])),
    consent: structuredClone(asJsonObject(partnerReferral['consent'])),
    details: structuredClone(asJsonObject(partnerReferral['details'])),
    inviteContext: {
      notes: inviteContext['notes'] ?? null,
      assistanceRequestCode: inviteContext['assistanceRequestCode'] ?? 'Unknown',
      invitedMpnId: partnerReferral['mpnId'] ?? null,
      invitedBy: { ...MICROSOFT_ORGANIZATION },
    },
  });
}
