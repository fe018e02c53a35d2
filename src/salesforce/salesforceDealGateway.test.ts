/**
 * The deal gateway against the Salesforce emulator: two batches written at the same time that both bring a new
 * customer (same account, same contact) create that customer once.
 */
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceTestOrg, startSalesforceTestOrg } from '../../test/support/salesforceTestOrg.ts';
import type { SalesforceWrites } from '../domain/dealPlan.ts';
import { defaultMapping } from '../domain/mapping/defaultMapping.ts';
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

  it('creates a new customer once when two batches bring it at the same time', async () => {
    const gateway = new SalesforceDealGateway({
      client: new SalesforceClient(admin),
      mapping: defaultMapping,
    });
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
});
