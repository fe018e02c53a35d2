/**
 * The deal gateway against the Salesforce emulator: two batches written at the same time that both bring a new
 * customer (same account, same contact) create that customer once; an opportunity a seller edits while the
 * update is on its way is not overwritten.
 */
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceTestOrg, startSalesforceTestOrg } from '../../test/support/salesforceTestOrg.ts';
import { waitFor } from '../../test/support/waitFor.ts';
import type { SalesforceWrites } from '../domain/dealPlan.ts';
import { defaultMapping } from '../domain/mapping/defaultMapping.ts';
import { adaptMappingToOrg, readOrgFacts } from '../sync/adaptMappingToOrg.ts';
import { installSalesforcePackage } from './packageInstaller.ts';
import { SalesforceClient } from './salesforceClient.ts';
import { SalesforceDealGateway } from './salesforceDealGateway.ts';

const newCustomerDeal = (referralId: string, dealName: string): SalesforceWrites => ({
  account: {
    match: { kind: 'namePostalCode', name: 'northwind traders', postalCode: '98101' },
    fields: { Name: 'Northwind Traders', BillingPostalCode: '98101', BillingCountry: 'US' },
  },
  opportunity: {
    op: 'create',
    referralId,
    fields: { Name: dealName, StageName: 'Prospecting', CloseDate: '2027-06-30' },
  },
  accountId: null,
  children: {
    contactsToAdd: [{ FirstName: 'Nadia', LastName: 'Buyer', Email: 'nadia@northwind.example' }],
    contactsToUpdate: [],
    contactRolesToRemove: [],
    solutionsToAdd: [],
    solutionsToUpdate: [],
    solutionIdsToRemove: [],
    teamEmailsToAdd: [],
    teamMemberIdsToRemove: [],
  },
  notes: [],
});

describe('SalesforceDealGateway against the emulator', () => {
  let org: SalesforceTestOrg;
  let admin: Connection;
  beforeAll(async () => {
    org = await startSalesforceTestOrg();
    admin = await org.connectAsAdmin();
    const installed = await installSalesforcePackage({ conn: admin, pollIntervalMs: 50 });
    if (!installed.ok) throw new Error(`The package did not install: ${JSON.stringify(installed.error)}`);
  });
  afterAll(async () => {
    await org?.close();
  });
  /** The gateway as the app builds it: the default mapping fitted to this org (no multi-currency, no teams). */
  const orgGateway = async () => {
    const client = new SalesforceClient(admin);
    const { mapping } = adaptMappingToOrg(defaultMapping, await readOrgFacts(client));
    return new SalesforceDealGateway({ client, mapping });
  };

  it('creates a new customer once when two batches bring it at the same time', async () => {
    const gateway = await orgGateway();
    // Every call takes a while, so the two batches' lookups would both run before either creates anything.
    await org.control('/__emulator/faults', { match: { path: '/services/data' }, latencyMs: 40 });
    const [first, second] = await Promise.all([
      gateway.applyWrites([newCustomerDeal('ref-concurrent-1', 'Northwind – first deal')]),
      gateway.applyWrites([newCustomerDeal('ref-concurrent-2', 'Northwind – second deal')]),
    ]);
    expect([first?.[0]?.error, second?.[0]?.error]).toEqual([null, null]);
    const accounts = await admin.query<{ Id: string }>(
      "SELECT Id FROM Account WHERE Name = 'Northwind Traders'",
    );
    expect(accounts.totalSize).toBe(1);
    const contacts = await admin.query<{ Id: string }>(
      "SELECT Id FROM Contact WHERE Email = 'nadia@northwind.example'",
    );
    expect(contacts.totalSize).toBe(1);
    const opportunities = await admin.query<{ AccountId: string }>(
      "SELECT AccountId FROM Opportunity WHERE Name LIKE 'Northwind – %'",
    );
    expect(opportunities.records.map((row) => row.AccountId)).toEqual([
      accounts.records[0]?.Id,
      accounts.records[0]?.Id,
    ]);
  });

  it('records the newest stamp of a new opportunity and its solutions, so the poll does not take a late solution for a change', async () => {
    const gateway = await orgGateway();
    const deal = newCustomerDeal('ref-late-solution', 'Contoso – late solution');
    deal.account = {
      match: { kind: 'namePostalCode', name: 'contoso late', postalCode: '10001' },
      fields: { Name: 'Contoso Late', BillingPostalCode: '10001', BillingCountry: 'US' },
    };
    deal.children = {
      ...(deal.children as NonNullable<SalesforceWrites['children']>),
      contactsToAdd: [],
      solutionsToAdd: [{ Solution_Id__c: 'sol-late-1', Solution_Name__c: 'Late Solution' }],
    };
    // The solutions are saved in a later second than their opportunity (and no other rule strikes first).
    await fetch(`${org.url}/__emulator/faults`, { method: 'DELETE' });
    await org.control('/__emulator/faults', {
      match: { method: 'POST', bodyIncludes: 'Microsoft_Solution__c' },
      latencyMs: 1_100,
      count: 1,
    });
    try {
      const [result] = await gateway.applyWrites([deal]);
      expect(result?.error).toBeNull();
      const [opportunity] = (
        await admin.query<{ SystemModstamp: string }>(
          `SELECT SystemModstamp FROM Opportunity WHERE Id = '${result?.opportunityId}'`,
        )
      ).records;
      const [solution] = (
        await admin.query<{ SystemModstamp: string }>(
          `SELECT SystemModstamp FROM Microsoft_Solution__c WHERE Opportunity__c = '${result?.opportunityId}'`,
        )
      ).records;
      expect(Date.parse(solution!.SystemModstamp)).toBeGreaterThan(Date.parse(opportunity!.SystemModstamp));
      expect(result?.systemModstamp).toBe(solution!.SystemModstamp);
      // The new opportunity comes back whole, as saved: its follow-up sync plans from it without reading again.
      expect(result?.read?.opportunityId).toBe(result?.opportunityId);
      expect(result?.read?.referralId).toBe('ref-late-solution');
      expect(result?.read?.snapshot.account?.['Name']).toBe('Contoso Late');
      expect(result?.read?.snapshot.solutions.map((row) => row['Solution_Id__c'])).toEqual(['sol-late-1']);
    } finally {
      await fetch(`${org.url}/__emulator/faults`, { method: 'DELETE' });
    }
  });

  it("reports a contact Salesforce refuses on its own deal, and writes the batch's other deals whole", async () => {
    const gateway = await orgGateway();
    const customer = (name: string, postalCode: string, deal: SalesforceWrites): SalesforceWrites => ({
      ...deal,
      account: {
        match: { kind: 'namePostalCode', name: name.toLowerCase(), postalCode },
        fields: { Name: name, BillingPostalCode: postalCode, BillingCountry: 'US' },
      },
    });
    const refused = customer(
      'Adatum Refused',
      '30301',
      newCustomerDeal('ref-contact-refused', 'Adatum – refused'),
    );
    refused.children = {
      ...(refused.children as NonNullable<SalesforceWrites['children']>),
      // No LastName: Salesforce refuses the contact (REQUIRED_FIELD_MISSING), not the opportunity.
      contactsToAdd: [{ FirstName: 'Nameless', Email: 'nameless@adatum.example' }],
    };
    const fine = customer('Fabrikam Fine', '60601', newCustomerDeal('ref-contact-fine', 'Fabrikam – fine'));
    fine.children = {
      ...(fine.children as NonNullable<SalesforceWrites['children']>),
      contactsToAdd: [{ FirstName: 'Fiona', LastName: 'Buyer', Email: 'fiona@fabrikam.example' }],
      solutionsToAdd: [{ Solution_Id__c: 'sol-fine-1', Solution_Name__c: 'Fine Solution' }],
    };
    // A second deal of the same customer names the same contact: it is told too.
    const again = {
      ...refused,
      opportunity: { ...refused.opportunity!, referralId: 'ref-contact-refused-2' },
    };
    const [first, second, third] = await gateway.applyWrites([refused, fine, again as SalesforceWrites]);
    expect(third?.opportunityId).toBeTruthy();
    expect(third?.dropped.map((part) => part.what)).toEqual(['the contact nameless@adatum.example']);
    expect(first?.error).toBeNull();
    expect(first?.opportunityId).toBeTruthy();
    expect(first?.dropped.map((part) => [part.what, part.dealField, part.error.code])).toEqual([
      ['the contact nameless@adatum.example', 'customerContacts', 'REQUIRED_FIELD_MISSING'],
    ]);
    expect(second?.error).toBeNull();
    expect(second?.dropped).toEqual([]);
    expect(second?.read?.snapshot.contactRoles.map((role) => role.contact['Email'])).toEqual([
      'fiona@fabrikam.example',
    ]);
    expect(second?.read?.snapshot.solutions.map((row) => row['Solution_Id__c'])).toEqual(['sol-fine-1']);
    expect(first?.read?.snapshot.contactRoles).toEqual([]);
  });

  it('does not overwrite an edit that lands after the re-check, while the update is on its way', async () => {
    const gateway = await orgGateway();
    const created = (await admin.sobject('Opportunity').create({
      Name: 'Edited in flight',
      StageName: 'Prospecting',
      CloseDate: '2027-06-30',
      Amount: 100,
    })) as { id: string };
    const read = (await admin.sobject('Opportunity').retrieve(created.id)) as Record<string, unknown>;
    await fetch(`${org.url}/__emulator/faults`, { method: 'DELETE' });
    const struck = async () =>
      ((await (await fetch(`${org.url}/__emulator/faults`)).json()) as { totals: { struck: number } }).totals
        .struck;
    const struckBefore = await struck();
    // The update is held up on its way in: the seller saves in the meantime, a second later.
    await org.control('/__emulator/faults', {
      match: { method: 'POST', path: `/services/data/v${admin.version}/composite` },
      latencyMs: 1_500,
      count: 1,
    });
    const writing = gateway.applyWrites([
      {
        account: null,
        opportunity: {
          op: 'update',
          opportunityId: created.id,
          fields: { Amount: 111 },
          readAs: {
            systemModstamp: String(read['SystemModstamp']),
            record: { Id: created.id, Name: read['Name'], Amount: read['Amount'] },
          },
        },
        accountId: null,
        children: newCustomerDeal('unused', 'unused').children,
        notes: [],
      } as unknown as SalesforceWrites,
    ]);
    await waitFor('the update to be held up', async () => (await struck()) === struckBefore + 1);
    await org.control('/__emulator/clock', { advanceMs: 2_000 });
    await admin.sobject('Opportunity').update({ Id: created.id, Amount: 999 });
    const [result] = await writing;
    expect(result?.error).toMatchObject({ code: 'MODIFIED_SINCE_READ', kind: 'conflict' });
    expect(result?.opportunityId).toBeNull();
    const after = (await admin.sobject('Opportunity').retrieve(created.id)) as Record<string, unknown>;
    expect(after['Amount']).toBe(999);
  });
});
