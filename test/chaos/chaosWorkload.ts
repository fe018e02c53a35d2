/**
 * What people do during the chaos run: Microsoft sends referrals and edits them in Partner Center, the seller
 * shares opportunities and edits them in Salesforce. Every edit is logged (deal, side, field, value, when it
 * landed) so the checks can tell a lost update from a conflict the connector resolved and audited.
 *
 * Customers come from a small pool, so several deals share one customer: half of them exist in Salesforce
 * before the run (an account and a contact the seller made), the others only in Microsoft's referrals. The
 * connector must match, never duplicate, their accounts and contacts.
 */
import { emulatorControl } from '../../src/sandbox/emulatorControl.ts';
import { inboundReferral } from '../support/sandboxHarness.ts';
import type { SellerRest } from './sellerRest.ts';

type Row = Record<string, unknown>;

export const EDITED_FIELDS = ['name', 'dealValue', 'notes'] as const;
export type EditedField = (typeof EDITED_FIELDS)[number];
export type Side = 'partnerCenter' | 'salesforce';

export interface Customer {
  index: number;
  name: string;
  postalCode: string;
  email: string;
  /** The seller's account and contact, when the customer existed in Salesforce before the run. */
  accountId: string | null;
  contactId: string | null;
}

export interface ChaosDeal {
  index: number;
  /** Who created it: Microsoft (a referral sent to us) or the seller (an opportunity shared with Microsoft). */
  origin: 'microsoft' | 'seller';
  customer: Customer;
  referralId: string | null;
  opportunityId: string | null;
  createdAt: number | null;
}

export interface Edit {
  deal: number;
  side: Side;
  field: EditedField;
  value: string | number;
  /** Wall time (ms) when the side acknowledged the write. */
  at: number;
}

/** A small seeded generator (mulberry32), so a run's workload can be repeated with CHAOS_SEED. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const initialName = (index: number) => `Chaos deal ${index}`;
export const initialAmount = (index: number) => 10_000 + index;
export const initialNotes = (index: number) => `Chaos deal ${index}: first notes.`;

/** The value of the n-th edit of a field of a deal: unique across the run, so the checks can tell edits apart. */
export function editValue(deal: number, field: EditedField, n: number): string | number {
  if (field === 'dealValue') return 1_000_000 * (n + 1) + deal;
  if (field === 'name') return `Chaos deal ${deal} (edit ${n})`;
  return `Chaos deal ${deal}: notes of edit ${n}.`;
}

export interface WorkloadUrls {
  partnerCenter: string;
  salesforce: string;
}

export class ChaosWorkload {
  readonly deals: ChaosDeal[] = [];
  readonly edits: Edit[] = [];
  readonly customers: Customer[] = [];
  private editsMade = 0;
  private referralsByOpportunity = new Map<string, string>();
  private referralsReadAt = 0;

  constructor(
    private readonly urls: WorkloadUrls,
    private readonly seller: SellerRest,
    private readonly random: () => number,
    customerCount: number,
  ) {
    for (let index = 0; index < customerCount; index += 1) {
      this.customers.push({
        index,
        name: `Chaos Customer ${index}`,
        postalCode: String(10_100 + index),
        email: `buyer${index}@chaos-customer-${index}.example`,
        accountId: null,
        contactId: null,
      });
    }
  }

  /** The seller's existing customers: every other customer gets an account and a contact up front. */
  async createExistingCustomers(): Promise<void> {
    for (const customer of this.customers.filter((item) => item.index % 2 === 0)) {
      customer.accountId = await this.seller.create('Account', {
        Name: customer.name,
        BillingPostalCode: customer.postalCode,
        BillingCountry: 'US',
      });
      customer.contactId = await this.seller.create('Contact', {
        AccountId: customer.accountId,
        FirstName: 'Robin',
        LastName: `Buyer ${customer.index}`,
        Email: customer.email,
      });
    }
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  /** Creates deal `index`: 60 % arrive from Microsoft, 40 % are shared by the seller. */
  async createDeal(index: number): Promise<ChaosDeal> {
    const fromSeller = this.random() < 0.4;
    const existing = this.customers.filter((customer) => customer.accountId !== null);
    const customer = fromSeller ? this.pick(existing) : this.pick(this.customers);
    const deal: ChaosDeal = {
      index,
      origin: fromSeller ? 'seller' : 'microsoft',
      customer,
      referralId: null,
      opportunityId: null,
      createdAt: null,
    };
    this.deals.push(deal);
    if (fromSeller) deal.opportunityId = await this.shareOpportunity(deal);
    else deal.referralId = await this.sendReferral(deal);
    deal.createdAt = Date.now();
    return deal;
  }

  private async sendReferral(deal: ChaosDeal): Promise<string> {
    const { customer } = deal;
    const body = inboundReferral({ name: initialName(deal.index) }) as Row & {
      customerProfile: Row;
      details: Row;
    };
    body.customerProfile = {
      ...body.customerProfile,
      name: customer.name,
      address: {
        addressLine1: '1 Chaos Way',
        city: 'Seattle',
        state: 'WA',
        postalCode: customer.postalCode,
        country: 'US',
      },
      team: [{ firstName: 'Robin', lastName: `Buyer ${customer.index}`, email: customer.email }],
    };
    body.details = { ...body.details, dealValue: initialAmount(deal.index), notes: initialNotes(deal.index) };
    const created = await emulatorControl(this.urls.partnerCenter, 'POST', '/__emulator/referrals', body);
    return String(created['id']);
  }

  private async shareOpportunity(deal: ChaosDeal): Promise<string> {
    const { customer } = deal;
    const opportunityId = await this.seller.create('Opportunity', {
      Name: initialName(deal.index),
      StageName: 'Qualification',
      CloseDate: '2027-06-30',
      Amount: initialAmount(deal.index),
      CurrencyIsoCode: 'USD',
      AccountId: customer.accountId,
      Description: initialNotes(deal.index),
    });
    await this.seller.create('OpportunityContactRole', {
      OpportunityId: opportunityId,
      ContactId: customer.contactId,
      Role: 'Decision Maker',
      IsPrimary: true,
    });
    await this.seller.create('Microsoft_Solution__c', {
      Opportunity__c: opportunityId,
      Solution_Id__c: 'SOL-34104-EBB',
      Solution_Name__c: 'Migration Factory',
      Publisher__c: 'Fabrikam Partner',
    });
    await this.seller.update('Opportunity', opportunityId, { Sync_with_Partner_Center__c: true });
    return opportunityId;
  }

  /** Fills in the other side's id of a deal once the connector has made it (null while it has not). */
  private async otherSide(deal: ChaosDeal, side: Side): Promise<string | null> {
    if (side === 'salesforce') {
      if (!deal.opportunityId && deal.referralId) {
        const rows = await this.seller.query(
          `SELECT Id FROM Opportunity WHERE Partner_Center_Referral_Id__c = '${deal.referralId}'`,
        );
        deal.opportunityId = rows.length === 1 ? String(rows[0]?.['Id']) : null;
      }
      return deal.opportunityId;
    }
    if (!deal.referralId && deal.opportunityId) {
      if (Date.now() - this.referralsReadAt > 1_000) {
        const all = (await emulatorControl(
          this.urls.partnerCenter,
          'GET',
          '/__emulator/referrals',
        )) as unknown as Row[];
        this.referralsByOpportunity = new Map(
          all
            .filter((referral) => typeof referral['externalReferenceId'] === 'string')
            .map((referral) => [String(referral['externalReferenceId']), String(referral['id'])]),
        );
        this.referralsReadAt = Date.now();
      }
      deal.referralId = this.referralsByOpportunity.get(deal.opportunityId) ?? null;
    }
    return deal.referralId;
  }

  /**
   * Edits one field of a deal on a random side (the side that exists yet, when the connector has not made the
   * other one). Returns the logged edit.
   */
  async editDeal(deal: ChaosDeal): Promise<Edit> {
    const field = this.pick(EDITED_FIELDS);
    let side: Side = this.random() < 0.5 ? 'partnerCenter' : 'salesforce';
    let id = await this.otherSide(deal, side);
    if (!id) {
      side = side === 'salesforce' ? 'partnerCenter' : 'salesforce';
      id = await this.otherSide(deal, side);
    }
    if (!id) throw new Error(`deal ${deal.index} has neither a referral nor an opportunity`);
    this.editsMade += 1;
    const value = editValue(deal.index, field, this.editsMade);
    if (side === 'partnerCenter') {
      const patch = field === 'name' ? { name: value } : { details: { [field]: value } };
      await emulatorControl(this.urls.partnerCenter, 'PATCH', `/__emulator/referrals/${id}`, patch);
    } else {
      const salesforceField = field === 'name' ? 'Name' : field === 'dealValue' ? 'Amount' : 'Description';
      await this.seller.update('Opportunity', id, { [salesforceField]: value });
    }
    const edit: Edit = { deal: deal.index, side, field, value, at: Date.now() };
    this.edits.push(edit);
    return edit;
  }
}
