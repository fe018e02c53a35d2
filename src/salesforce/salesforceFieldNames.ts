/**
 * API names of the Salesforce fields the connector reads and writes. Defaults are the fields of
 * salesforce-package/ (DESIGN §8); the mapping file can override them, e.g. to keep the fields of
 * Microsoft's own co-sell package.
 */
export interface SalesforceFieldNames {
  /** Opportunity checkbox: share this opportunity with Partner Center. */
  syncWithPartnerCenter: string;
  /** Opportunity text, external id: the linked referral id. */
  referralId: string;
  referralLink: string;
  howCanMicrosoftHelp: string;
  shareWithMicrosoftSellers: string;
  partnerCenterStatus: string;
  partnerCenterStatusReason: string;
  syncStatus: string;
  audit: string;
  microsoftCrmId: string;
  /** Child object holding the Microsoft solutions of an opportunity. */
  solutionObject: string;
  /** Master-detail field on the solution object pointing at the opportunity. */
  solutionOpportunity: string;
  solutionId: string;
  solutionName: string;
  solutionPublisher: string;
  /** Lead text, external id: the Microsoft lead (referral) a Salesforce Lead came from. */
  leadReferralId: string;
  /** Services co-sell and marketplace-intent picklists, Joint Planning deadline dates (added with issue 10). */
  partnerRole?: string;
  solutionArea?: string;
  solutionPlay?: string;
  customerMarketplaceIntent?: string;
  acceptBy?: string;
  actBy?: string;
}

export const defaultSalesforceFieldNames: Readonly<SalesforceFieldNames> = Object.freeze({
  syncWithPartnerCenter: 'Sync_with_Partner_Center__c',
  referralId: 'Partner_Center_Referral_Id__c',
  referralLink: 'Partner_Center_Referral_Link__c',
  howCanMicrosoftHelp: 'How_can_Microsoft_help__c',
  shareWithMicrosoftSellers: 'Share_with_Microsoft_Sellers__c',
  partnerCenterStatus: 'Partner_Center_Status__c',
  partnerCenterStatusReason: 'Partner_Center_Status_Reason__c',
  syncStatus: 'Partner_Center_Sync_Status__c',
  audit: 'Partner_Center_Audit__c',
  microsoftCrmId: 'Microsoft_CRM_Id__c',
  solutionObject: 'Microsoft_Solution__c',
  solutionOpportunity: 'Opportunity__c',
  solutionId: 'Solution_Id__c',
  solutionName: 'Solution_Name__c',
  solutionPublisher: 'Publisher__c',
  leadReferralId: 'Partner_Center_Referral_Id__c',
  partnerRole: 'Partner_Role__c',
  solutionArea: 'Solution_Area__c',
  solutionPlay: 'Solution_Play__c',
  customerMarketplaceIntent: 'Customer_Marketplace_Intent__c',
  acceptBy: 'Partner_Center_Accept_By__c',
  actBy: 'Partner_Center_Act_By__c',
});

/** The Opportunity custom fields of the package, in the order they appear in DESIGN §8. */
export function opportunityCustomFields(names: SalesforceFieldNames): string[] {
  return [
    names.syncWithPartnerCenter,
    names.referralId,
    names.referralLink,
    names.howCanMicrosoftHelp,
    names.shareWithMicrosoftSellers,
    names.partnerCenterStatus,
    names.partnerCenterStatusReason,
    names.syncStatus,
    names.audit,
    names.microsoftCrmId,
    ...[
      names.partnerRole,
      names.solutionArea,
      names.solutionPlay,
      names.customerMarketplaceIntent,
      names.acceptBy,
      names.actBy,
    ].filter((name): name is string => name !== undefined),
  ];
}

/** The custom fields of the solution object. */
export function solutionCustomFields(names: SalesforceFieldNames): string[] {
  return [names.solutionOpportunity, names.solutionId, names.solutionName, names.solutionPublisher];
}

/** Every API name the package creates (fields and the solution object): an unknown one means "install". */
export function packageApiNames(names: SalesforceFieldNames = defaultSalesforceFieldNames): string[] {
  return [
    ...opportunityCustomFields(names),
    ...solutionCustomFields(names),
    names.solutionObject,
    names.leadReferralId,
  ];
}
