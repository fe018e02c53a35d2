import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inboundReferral,
  pollFromWorkerCursor,
  referralById,
  startTestSandbox,
  syncLinkNow,
  type TestSandbox,
  waitFor,
  waitForQuiet,
} from '../support/sandboxHarness.ts';

type Row = Record<string, unknown>;

describe('mapping transforms (JSONata) and the ✔/✖ name mark', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    const mappingFile = join(tmpdir(), `cosell-transforms-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(
      mappingFile,
      [
        'nameStatusMark: true',
        'transforms:',
        '  salesforce:',
        '    NextStep: \'"Partner Center: " & deal.status & "/" & deal.substatus\'',
        '  partnerCenter:',
        '    /details/customerAction: \'"Follow up in " & $string(deal.closingDate)\'',
        '',
      ].join('\n'),
    );
    sandbox = await startTestSandbox({ configOverrides: { sync: { mappingFile } } });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('computes Salesforce fields and Partner Center values from the deal, without write loops', async () => {
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Transformed' }),
    );
    const referralId = String(created['id']);
    const opportunity = await waitFor('the opportunity with NextStep', async () => {
      const rows = await sandbox.seller.query<Row>(
        `SELECT Id, NextStep FROM Opportunity WHERE Partner_Center_Referral_Id__c = '${referralId}'`,
      );
      return rows.records[0]?.['NextStep'] ? rows.records[0] : undefined;
    });
    expect(opportunity['NextStep']).toBe('Partner Center: New/Pending');
    await waitFor(
      'the value in Partner Center',
      async () =>
        ((await referralById(sandbox, referralId))['details'] as Row)['customerAction'] ===
        'Follow up in 2027-03-31',
    );

    // Accepting changes the status: the transform follows it.
    await sandbox.seller
      .sobject('Opportunity')
      .update({ Id: String(opportunity['Id']), StageName: 'Qualification' });
    await waitFor(
      'NextStep after accept',
      async () =>
        ((await sandbox.seller.sobject('Opportunity').retrieve(String(opportunity['Id']))) as Row)[
          'NextStep'
        ] === 'Partner Center: Active/Accepted',
    );
    await waitForQuiet(sandbox, { quietMs: 2500 });
    // Settled, not ping-ponging: the next poll hands nothing on, and a sync driven now finds nothing to write.
    expect(await pollFromWorkerCursor(sandbox)).not.toContain(String(opportunity['Id']));
    const link = await sandbox.connector.store.links.findByReferralId('sandbox', referralId);
    const again = await syncLinkNow(sandbox, String(link?.id));
    expect(again).toMatchObject({ action: 'noop', toSalesforce: [], toPartnerCenter: [] });
  });

  it('marks the opportunity name ✔ after a sync and ✖ after a failure, and never sends the mark to Partner Center', async () => {
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Marked deal' }),
    );
    const referralId = String(created['id']);
    const marked = await waitFor('the ✔ mark', async () => {
      const rows = await sandbox.seller.query<Row>(
        `SELECT Id, Name FROM Opportunity WHERE Partner_Center_Referral_Id__c = '${referralId}'`,
      );
      return rows.records[0]?.['Name'] === 'Marked deal ✔' ? rows.records[0] : undefined;
    });
    await sandbox.seller.sobject('Opportunity').update({ Id: String(marked['Id']), Amount: 7777 });
    await waitFor(
      'the amount in Partner Center',
      async () => ((await referralById(sandbox, referralId))['details'] as Row)['dealValue'] === 7777,
    );
    expect((await referralById(sandbox, referralId))['name']).toBe('Marked deal');

    const failing = (await sandbox.seller.sobject('Opportunity').create({
      Name: 'Missing solution',
      StageName: 'Qualification',
      CloseDate: '2027-05-01',
      Amount: 1000,
      CurrencyIsoCode: 'USD',
      How_can_Microsoft_help__c: 'Quotes or licensing',
      Sync_with_Partner_Center__c: true,
    })) as { id: string };
    await waitFor(
      'the ✖ mark',
      async () =>
        ((await sandbox.seller.sobject('Opportunity').retrieve(failing.id)) as Row)['Name'] ===
        'Missing solution ✖',
    );
  });
});

describe('a transform that loops forever', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    const mappingFile = join(tmpdir(), `cosell-runaway-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(
      mappingFile,
      [
        'transforms:',
        '  salesforce:',
        '    NextStep: \'deal.name = "Runaway" ? ($f := function($n) { $f($n + 1) }; $f(0)) : "fine"\'',
        '',
      ].join('\n'),
    );
    sandbox = await startTestSandbox({ configOverrides: { sync: { mappingFile } } });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('fails only that deal, with an error that names the transform and the limit, and the worker keeps going', async () => {
    const runaway = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name: 'Runaway' }));
    const fine = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name: 'Fine' }));
    const refused = await waitFor('the runaway deal to be refused', () =>
      sandbox.syncs.find((sync) => sync.referralId === String(runaway['id']) && sync.action === 'invalid'),
    );
    expect(refused.message).toMatch(/transform for NextStep failed: stopped: it ran longer than \d+ ms/);
    const opportunity = await waitFor('the other deal in Salesforce', async () => {
      const rows = await sandbox.seller.query<Row>(
        `SELECT Id, NextStep FROM Opportunity WHERE Partner_Center_Referral_Id__c = '${String(fine['id'])}'`,
      );
      return rows.records[0];
    });
    expect(opportunity['NextStep']).toBe('fine');
    expect(await referralById(sandbox, String(runaway['id']))).toMatchObject({ name: 'Runaway' });
  });
});
