/** What a partner seller does in Salesforce, through REST as the admin user. */
import type { Connection } from 'jsforce';

/**
 * Creates an account, a contact, an opportunity with one Microsoft solution and a primary contact role, then
 * ticks Sync with Partner Center last (as the product's instructions say). `help` is the How can Microsoft
 * help? value; asking for help makes Partner Center open Microsoft's related referral in the engagement.
 * `fields` adds opportunity fields (e.g. the Services co-sell picklists).
 */
export async function shareOpportunityWithMicrosoft(
  seller: Connection,
  name: string,
  {
    help = 'Customer technical architecture',
    fields = {},
  }: { help?: string | null; fields?: Record<string, unknown> } = {},
): Promise<string> {
  const slug = name.toLowerCase().replace(/\W+/g, '');
  const account = (await seller
    .sobject('Account')
    .create({ Name: `${name} Ltd`, BillingPostalCode: '10115', BillingCountry: 'DE' })) as { id: string };
  const contact = (await seller.sobject('Contact').create({
    AccountId: account.id,
    FirstName: 'Kim',
    LastName: 'Novak',
    Email: `kim@${slug}.example`,
  })) as { id: string };
  const opportunity = (await seller.sobject('Opportunity').create({
    Name: name,
    StageName: 'Qualification',
    CloseDate: '2027-04-30',
    Amount: 48_000,
    CurrencyIsoCode: 'EUR',
    AccountId: account.id,
    Description: `${name}: pilot for 50 users.`,
    How_can_Microsoft_help__c: help,
    ...fields,
  })) as { id: string };
  await seller.sobject('OpportunityContactRole').create({
    OpportunityId: opportunity.id,
    ContactId: contact.id,
    Role: 'Decision Maker',
    IsPrimary: true,
  });
  await seller.sobject('Microsoft_Solution__c').create({
    Opportunity__c: opportunity.id,
    Solution_Id__c: 'SOL-34104-EBB',
    Solution_Name__c: 'Migration Factory',
    Publisher__c: 'Fabrikam Partner',
  });
  await seller.sobject('Opportunity').update({ Id: opportunity.id, Sync_with_Partner_Center__c: true });
  return opportunity.id;
}
