import { isJsonObject, type JsonObject } from './referralRules.ts';

/** Every field a real referral carries (spec §1.5, §7), with explicit nulls, so responses look like production. */
function emptyReferral(): JsonObject {
  return {
    id: null,
    engagementId: null,
    organizationId: null,
    organizationName: null,
    name: null,
    externalReferenceId: null,
    createdDateTime: null,
    updatedDateTime: null,
    expirationDateTime: null,
    acceptedDateTime: null,
    closedDateTime: null,
    status: 'New',
    substatus: 'Pending',
    statusReason: null,
    type: 'Independent',
    qualification: 'None',
    direction: 'Outgoing',
    referralSource: null,
    callToAction: null,
    customerMarketplaceIntent: null,
    salesStage: null,
    eTag: null,
    favorite: false,
    campaignId: null,
    lastModifiedVia: null,
    lastRunId: null,
    createdVia: null,
    quality: 'Unknown',
    isSpam: false,
    mpnId: null,
    referralProgram: null,
    dealSensitivity: 'None',
    tags: [],
    registrationStatus: 'None',
    registrations: [],
    partnerRole: null,
    solutionArea: null,
    solutionPlay: null,
    target: [],
    customerProfile: {
      name: null,
      size: null,
      isMatchingComplete: false,
      address: {
        addressLine1: null,
        addressLine2: null,
        city: null,
        state: null,
        postalCode: null,
        country: null,
        region: null,
      },
      team: [],
      ids: [],
    },
    consent: {
      consentToToShareInfoWithOthers: false,
      consentToContact: false,
      consentToShareReferralWithMicrosoftSellers: false,
      consentToMicrosoftToContactSpecificPartners: null,
    },
    details: {
      notes: null,
      dealValue: null,
      currency: null,
      closingDateTime: null,
      customerRequestedContact: null,
      customerAction: null,
      incentiveLevel: null,
      requirements: {
        industries: [],
        products: [],
        services: [],
        solutions: [],
        offers: [],
        salesPlays: [],
        additionalRequirements: {
          iot: {
            customerLicenseAgreementNumber: null,
            deviceCategory: null,
            siliconType: null,
            azureCertifiedDevice: null,
            attachServices: null,
          },
        },
      },
    },
    team: [],
    inviteContext: {
      notes: null,
      assistanceRequestCode: 'Unknown',
      invitedMpnId: null,
      invitedBy: { organizationId: null, organizationName: null },
    },
    links: null,
    trackingInfo: {
      microsoftMsxId: null,
      microsoftUSFedOpportunityId: null,
      microsoftUSFedLeadId: null,
      migratedPSCDealId: null,
      migratedPSCPartnerDealId: null,
    },
  };
}

/** Deep-merges `overlay` onto `base`: objects merge key by key, everything else (arrays included) replaces. */
export function deepMerge(base: JsonObject, overlay: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = merged[key];
    merged[key] =
      isJsonObject(current) && isJsonObject(value) ? deepMerge(current, value) : structuredClone(value);
  }
  return merged;
}

/** A complete referral: the template with the given fields laid over it. */
export function fillReferral(fields: JsonObject): JsonObject {
  return deepMerge(emptyReferral(), fields);
}
