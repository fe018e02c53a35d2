import { describe, expect, it } from 'vitest';
import { sampleDeal } from '../../../test/support/sampleDeal.ts';
import { defaultMapping } from './defaultMapping.ts';
import { mergeWithDefaults } from './mergeWithDefaults.ts';
import { salesforceOpportunityFields } from './salesforceOpportunityFields.ts';

describe('salesforceOpportunityFields', () => {
  it('writes every Salesforce-bound field of a new opportunity and ticks the sync flag', () => {
    const deal = sampleDeal({
      status: 'New',
      substatus: 'Pending',
      microsoftCrmId: '7-ABC',
      partnerRole: 'ManagedServices',
      solutionArea: 'Security',
      solutionPlay: 'DataSecurity',
      customerMarketplaceIntent: 'HaveNotDecided',
      acceptByDate: '2026-12-20',
    });
    expect(salesforceOpportunityFields(deal, defaultMapping)).toEqual({
      Name: 'Contoso cloud migration',
      Amount: 250000,
      CurrencyIsoCode: 'USD',
      CloseDate: '2026-12-31',
      Description: 'Migrate 40 VMs to Azure',
      StageName: 'Prospecting',
      Partner_Center_Status__c: 'New/Pending',
      Partner_Center_Status_Reason__c: null,
      How_can_Microsoft_help__c: 'Customer technical architecture',
      Share_with_Microsoft_Sellers__c: true,
      Partner_Center_Referral_Id__c: deal.referralId,
      Partner_Center_Referral_Link__c: deal.referralLink,
      Microsoft_CRM_Id__c: '7-ABC',
      Partner_Role__c: 'Managed services',
      Solution_Area__c: 'Security',
      Solution_Play__c: 'Data security',
      Customer_Marketplace_Intent__c: 'Have not decided',
      Partner_Center_Accept_By__c: '2026-12-20',
      Partner_Center_Act_By__c: null,
      Sync_with_Partner_Center__c: true,
    });
  });

  it('writes a taxonomy value Microsoft added later as received (the picklists are unrestricted)', () => {
    const deal = sampleDeal({ solutionArea: 'QuantumComputing', solutionPlay: null });
    expect(salesforceOpportunityFields(deal, defaultMapping, ['solutionArea', 'solutionPlay'])).toEqual({
      Solution_Area__c: 'QuantumComputing',
      Solution_Play__c: null,
    });
  });

  it('writes only the changed fields, with stage and status text together', () => {
    const deal = sampleDeal({ status: 'Closed', substatus: 'Won' });
    expect(salesforceOpportunityFields(deal, defaultMapping, ['substatus', 'dealValue'])).toEqual({
      Amount: 250000,
      StageName: 'Closed Won',
      Partner_Center_Status__c: 'Closed/Won',
    });
  });

  it('keeps the current open stage of an accepted referral', () => {
    const fields = salesforceOpportunityFields(sampleDeal(), defaultMapping, ['status'], {
      currentStage: 'Negotiation/Review',
    });
    expect(fields['StageName']).toBe('Negotiation/Review');
  });

  it('leaves the stage of an active referral alone on an update that does not say the current stage', () => {
    expect(salesforceOpportunityFields(sampleDeal(), defaultMapping, ['status'])).toEqual({
      Partner_Center_Status__c: 'Active/Accepted',
    });
    expect(
      salesforceOpportunityFields(sampleDeal(), defaultMapping, ['status'], { currentStage: 'Prospecting' }),
    ).toEqual({ StageName: 'Qualification', Partner_Center_Status__c: 'Active/Accepted' });
  });

  it('writes the decline reason with a declined status', () => {
    const deal = sampleDeal({ status: 'Closed', substatus: 'Declined', statusReason: 'No capacity' });
    expect(salesforceOpportunityFields(deal, defaultMapping, ['status', 'statusReason'])).toEqual({
      StageName: 'Closed Lost',
      Partner_Center_Status__c: 'Closed/Declined',
      Partner_Center_Status_Reason__c: 'No capacity',
    });
  });

  it('writes an empty picklist for no help requested', () => {
    const fields = salesforceOpportunityFields(sampleDeal({ assistanceRequestCode: null }), defaultMapping, [
      'assistanceRequestCode',
    ]);
    expect(fields).toEqual({ How_can_Microsoft_help__c: null });
  });

  it('never writes Partner Center-bound or unmapped fields, nor currency or notes the org keeps elsewhere', () => {
    const mapping = mergeWithDefaults({
      currency: { mode: 'orgCurrency' },
      notes: { target: 'contentNote' },
    });
    if (!mapping.ok) throw new Error('mapping');
    const fields = salesforceOpportunityFields(sampleDeal(), mapping.value, [
      'externalReferenceId',
      'engagementId',
      'currency',
      'notes',
      'type',
    ]);
    expect(fields).toEqual({});
  });

  it('marks the name with ✔ or ✖ when the mapping asks for it', () => {
    const mapping = mergeWithDefaults({ nameStatusMark: true });
    if (!mapping.ok) throw new Error('mapping');
    expect(salesforceOpportunityFields(sampleDeal(), mapping.value, [], { syncOk: false })).toEqual({
      Name: 'Contoso cloud migration ✖',
    });
    expect(salesforceOpportunityFields(sampleDeal(), defaultMapping, [], { syncOk: false })).toEqual({});
  });

  it("uses an org's own API names", () => {
    const mapping = mergeWithDefaults({
      fields: {
        referralId: { salesforceField: 'Referral_Identfier__c' },
        dealValue: { salesforceField: 'Budget__c' },
      },
    });
    if (!mapping.ok) throw new Error('mapping');
    expect(salesforceOpportunityFields(sampleDeal(), mapping.value, ['referralId', 'dealValue'])).toEqual({
      Referral_Identfier__c: sampleDeal().referralId,
      Budget__c: 250000,
    });
  });
});
