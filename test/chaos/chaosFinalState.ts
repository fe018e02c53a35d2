/**
 * What a chaos verdict is computed from, for one connection: its Partner Center emulator's referrals, its
 * Salesforce org's opportunities, accounts and contacts (read as the seller), and its rows in the store.
 */
import { emulatorControl } from '../../src/sandbox/emulatorControl.ts';
import type { Store } from '../../src/store/store.ts';
import type { DealTraceLine } from '../support/dealTraceOverlaps.ts';
import type { FinalState } from './chaosChecks.ts';
import type { SellerRest } from './sellerRest.ts';

const OPPORTUNITY_FIELDS = 'Id, Name, Amount, CloseDate, Description, Partner_Center_Referral_Id__c';

export async function chaosFinalState(source: {
  partnerCenterUrl: string;
  seller: SellerRest;
  store: Store;
  connectionId: string;
  trace: DealTraceLine[];
  processEndedAt: ReadonlyMap<number, number>;
}): Promise<FinalState> {
  const { seller, store, connectionId } = source;
  const [referrals, opportunities, accounts, contacts, links, audit, deadLetters] = await Promise.all([
    emulatorControl(source.partnerCenterUrl, 'GET', '/__emulator/referrals') as unknown as Promise<
      Record<string, unknown>[]
    >,
    seller.query(`SELECT ${OPPORTUNITY_FIELDS} FROM Opportunity`),
    seller.query('SELECT Id, Name, BillingPostalCode FROM Account'),
    seller.query('SELECT Id, Email FROM Contact'),
    store.links.list({ connectionId, limit: 1_000_000 }),
    store.audit.list({ connectionId, limit: 1_000_000 }),
    store.deadLetters.list({ connectionId, limit: 1_000_000 }),
  ]);
  return {
    referrals,
    opportunities,
    accounts,
    contacts,
    links,
    audit,
    deadLetters,
    trace: source.trace,
    processEndedAt: source.processEndedAt,
  };
}
