import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import {
  defaultSalesforceFieldNames,
  type SalesforceFieldNames,
} from '../salesforce/salesforceFieldNames.ts';

/** The Salesforce field names the poller and installer use, taken from the mapping (so overrides apply everywhere). */
export function salesforceFieldNamesFrom(mapping: Mapping): SalesforceFieldNames {
  const { fields, opportunity, solutions } = mapping;
  const d = defaultSalesforceFieldNames;
  return {
    syncWithPartnerCenter: opportunity.syncFlagField,
    referralId: fields.referralId.salesforceField ?? d.referralId,
    referralLink: fields.referralLink.salesforceField ?? d.referralLink,
    howCanMicrosoftHelp: fields.assistanceRequestCode.salesforceField ?? d.howCanMicrosoftHelp,
    shareWithMicrosoftSellers:
      fields.shareWithMicrosoftSellers.salesforceField ?? d.shareWithMicrosoftSellers,
    partnerCenterStatus: opportunity.statusTextField ?? d.partnerCenterStatus,
    partnerCenterStatusReason: fields.statusReason.salesforceField ?? d.partnerCenterStatusReason,
    syncStatus: opportunity.syncStatusField ?? d.syncStatus,
    audit: opportunity.auditField ?? d.audit,
    microsoftCrmId: fields.microsoftCrmId.salesforceField ?? d.microsoftCrmId,
    solutionObject: solutions.object,
    solutionOpportunity: solutions.parentField,
    solutionId: solutions.idField,
    solutionName: solutions.nameField,
    solutionPublisher: solutions.publisherField ?? d.solutionPublisher,
    leadReferralId: d.leadReferralId,
  };
}
