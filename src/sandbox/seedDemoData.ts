/**
 * Demo data for the sandbox: inbound Microsoft referrals in several states (through the Partner Center
 * emulator's control API, as Microsoft would send them) and Salesforce opportunities with and without
 * Sync ticked (through the Salesforce emulator's real REST API, as a seller would create them).
 */
import { Connection } from 'jsforce';
import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import { SALESFORCE_API_VERSION } from '../salesforce/salesforceConnection.ts';
import { emulatorControl } from './emulatorControl.ts';

export interface SeedTargets {
  partnerCenterUrl: string;
  salesforceUrl: string;
  mapping: Mapping;
  now: Date;
}

export interface SeedSummary {
  referrals: string[];
  opportunities: string[];
}

const isoDay = (now: Date, days: number): string =>
  new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);

function inboundReferral(input: {
  name: string;
  customer: string;
  city: string;
  state: string;
  postalCode: string;
  country: string;
  contact: { firstName: string; lastName: string; email: string; title: string };
  dealValue: number;
  currency: string;
  closing: string;
  notes: string;
  solution: { id: string; name: string; publisher: string };
  type?: 'Shared' | 'Independent';
  qualification?: string;
}): Record<string, unknown> {
  return {
    name: input.name,
    type: input.type ?? 'Shared',
    qualification: input.qualification ?? 'SalesQualified',
    customerProfile: {
      name: input.customer,
      size: '251to1000employees',
      address: {
        addressLine1: '1 Harbor Way',
        city: input.city,
        state: input.state,
        postalCode: input.postalCode,
        country: input.country,
      },
      team: [{ ...input.contact, phoneNumber: '+1 206 555 0142' }],
    },
    consent: {
      consentToToShareInfoWithOthers: true,
      consentToContact: true,
      consentToShareReferralWithMicrosoftSellers: true,
    },
    details: {
      notes: input.notes,
      dealValue: input.dealValue,
      currency: input.currency,
      closingDateTime: `${input.closing}T00:00:00Z`,
      requirements: {
        solutions: [{ type: 'Name', ...input.solution, publisherName: input.solution.publisher }],
      },
    },
    inviteContext: { notes: input.notes, assistanceRequestCode: 'Unknown' },
  };
}

export async function seedDemoData(targets: SeedTargets): Promise<SeedSummary> {
  const { partnerCenterUrl: pc, now, mapping } = targets;
  const referrals: string[] = [];

  const contoso = await emulatorControl(
    pc,
    'POST',
    '/__emulator/referrals',
    inboundReferral({
      name: 'Contoso Retail – Azure migration',
      customer: 'Contoso Retail',
      city: 'Seattle',
      state: 'WA',
      postalCode: '98101',
      country: 'US',
      contact: {
        firstName: 'Avery',
        lastName: 'Lee',
        email: 'avery.lee@contoso-retail.example',
        title: 'CIO',
      },
      dealValue: 120_000,
      currency: 'USD',
      closing: isoDay(now, 90),
      notes: 'Customer wants to move 200 VMs to Azure before the fiscal year ends.',
      solution: {
        id: 'SOL-34104-EBB',
        name: 'Cloud Migration Factory',
        publisher: 'Contoso Partner Services',
      },
    }),
  );
  referrals.push(String(contoso['id']));

  const fabrikam = await emulatorControl(
    pc,
    'POST',
    '/__emulator/referrals',
    inboundReferral({
      name: 'Fabrikam – Data platform modernisation',
      customer: 'Fabrikam Ltd',
      city: 'London',
      state: 'London',
      postalCode: 'EC1A 1BB',
      country: 'GB',
      contact: {
        firstName: 'Morgan',
        lastName: 'Price',
        email: 'morgan.price@fabrikam.example',
        title: 'Head of Data',
      },
      dealValue: 85_000,
      currency: 'GBP',
      closing: isoDay(now, 60),
      notes: 'Fabric proof of concept requested by the customer’s data team.',
      solution: {
        id: 'SOL-6115380-IPC',
        name: 'Analytics Accelerator',
        publisher: 'Contoso Partner Services',
      },
    }),
  );
  referrals.push(String(fabrikam['id']));
  // Already accepted in the Partner Center UI before the connector saw it.
  await emulatorControl(pc, 'PATCH', `/__emulator/referrals/${String(fabrikam['id'])}`, {
    status: 'Active',
    substatus: 'Accepted',
  });

  const northwind = await emulatorControl(
    pc,
    'POST',
    '/__emulator/referrals',
    inboundReferral({
      name: 'Northwind Traders – Security assessment',
      customer: 'Northwind Traders',
      city: 'Toronto',
      state: 'ON',
      postalCode: 'M5H 2N2',
      country: 'CA',
      contact: { firstName: 'Sam', lastName: 'Okafor', email: 'sam.okafor@northwind.example', title: 'CISO' },
      dealValue: 40_000,
      currency: 'CAD',
      closing: isoDay(now, 45),
      notes: 'Lead from a Microsoft security workshop.',
      solution: { id: 'SOL-77812-SEC', name: 'Zero Trust Assessment', publisher: 'Contoso Partner Services' },
      type: 'Independent',
      qualification: 'MarketingQualified',
    }),
  );
  referrals.push(String(northwind['id']));

  // Salesforce side, as a seller working in Salesforce.
  const token = await emulatorControl(targets.salesforceUrl, 'POST', '/__emulator/token');
  const conn = new Connection({
    instanceUrl: String(token['instance_url'] ?? targets.salesforceUrl),
    accessToken: String(token['access_token']),
    version: SALESFORCE_API_VERSION,
  });
  const { opportunity, solutions, contacts } = mapping;
  const helpField = mapping.fields.assistanceRequestCode.salesforceField ?? 'How_can_Microsoft_help__c';
  const opportunities: string[] = [];
  const create = async (sobject: string, record: Record<string, unknown>): Promise<string> => {
    const saved = (await conn.sobject(sobject).create(record)) as {
      id?: string;
      success?: boolean;
      errors?: unknown;
    };
    if (!saved.success || !saved.id)
      throw new Error(`Could not create demo ${sobject}: ${JSON.stringify(saved.errors)}`);
    return saved.id;
  };

  const adventure = await create('Account', {
    Name: 'Adventure Works Cycles',
    BillingStreet: '500 Bike Lane',
    BillingCity: 'Denver',
    BillingState: 'CO',
    BillingPostalCode: '80202',
    BillingCountry: 'United States',
  });
  const buyer = await create('Contact', {
    AccountId: adventure,
    FirstName: 'Jordan',
    LastName: 'Rivera',
    [contacts.emailField]: 'jordan.rivera@adventure-works.example',
    Title: 'VP Operations',
  });
  const coSell = await create('Opportunity', {
    Name: 'Adventure Works – AI assistant pilot',
    StageName: 'Qualification',
    CloseDate: isoDay(now, 75),
    Amount: 65_000,
    AccountId: adventure,
    Description: 'Copilot pilot for 300 field technicians.',
    [opportunity.syncFlagField]: true,
    [helpField]: mapping.valueMaps.assistanceRequestCode.ProofOfConceptOrDemo,
  });
  await create('OpportunityContactRole', {
    OpportunityId: coSell,
    ContactId: buyer,
    Role: contacts.role,
    IsPrimary: true,
  });
  await create(solutions.object, {
    [solutions.parentField]: coSell,
    [solutions.idField]: 'SOL-34104-EBB',
    [solutions.nameField]: 'Cloud Migration Factory',
    ...(solutions.publisherField ? { [solutions.publisherField]: 'Contoso Partner Services' } : {}),
  });
  opportunities.push(coSell);

  const wingtip = await create('Account', {
    Name: 'Wingtip Toys',
    BillingCity: 'Austin',
    BillingCountry: 'US',
  });
  opportunities.push(
    await create('Opportunity', {
      Name: 'Wingtip Toys – Analytics rollout',
      StageName: 'Needs Analysis',
      CloseDate: isoDay(now, 30),
      Amount: 22_000,
      AccountId: wingtip,
      [opportunity.syncFlagField]: true,
      [helpField]: mapping.valueMaps.assistanceRequestCode.CustomerTechnicalArchitecture,
    }),
  );

  opportunities.push(
    await create('Opportunity', {
      Name: 'Tailspin Toys – Licence renewal (not shared)',
      StageName: 'Prospecting',
      CloseDate: isoDay(now, 20),
      Amount: 9_500,
    }),
  );
  return { referrals, opportunities };
}
