import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dealArbitrary, dealEdits } from '../../test/support/dealArbitrary.ts';
import { dealSyncRound, isQuiet, planInputOf } from '../../test/support/memoryDeal.ts';
import { editInPartnerCenter, editInSalesforce, opportunityOnly, referralOnly } from '../../test/support/memoryDealEdits.ts';
import { defaultMapping } from './mapping/defaultMapping.ts';
import { planDeal } from './planDeal.ts';

const mapping = defaultMapping;

describe('planDeal properties', () => {
  it('idempotent', async () => {
    await fc.assert(
      fc.asyncProperty(
        dealArbitrary,
        fc.boolean(),
        fc.array(fc.record({ pc: fc.boolean(), edits: dealEdits }), { maxLength: 3 }),
        async (start, fromPc, edits) => {
          let deal = fromPc ? referralOnly(start) : opportunityOnly(start, mapping);
          deal = (await dealSyncRound(deal, mapping)).deal;
          for (const edit of edits)
            deal = edit.pc ? editInPartnerCenter(deal, edit.edits, mapping) : editInSalesforce(deal, edit.edits, mapping);
          const round = await dealSyncRound(deal, mapping);
          const again = await planDeal(planInputOf(round.deal, mapping));
          if (!isQuiet(again)) {
            throw new Error(JSON.stringify({ plans: round.plans.map((p) => [p.action, p.message, p.toSalesforce, p.toPartnerCenter]), again: [again.action, again.message, again.toSalesforce, again.toPartnerCenter, again.partnerCenter, again.salesforce] }, null, 1));
          }
        },
      ),
      { numRuns: 200, seed: 1 },
    );
  });
});
