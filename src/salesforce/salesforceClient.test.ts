import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejectionOf } from '../../test/support/rejectionOf.ts';
import { type SalesforceTestOrg, startSalesforceTestOrg } from '../../test/support/salesforceTestOrg.ts';
import { installSalesforcePackage } from './packageInstaller.ts';
import { SalesforceClient } from './salesforceClient.ts';
import { defaultSalesforceFieldNames as n } from './salesforceFieldNames.ts';
import { rejectionOf as salesforceRejectionOf } from './salesforceRejection.ts';

const opportunity = (name: string, extra: Record<string, unknown> = {}) => ({
  Name: name,
  StageName: 'Prospecting',
  CloseDate: '2026-12-31',
  ...extra,
});

/** A one-field SFDX package: an external id that is NOT unique, so an upsert can match several records. */
async function nonUniqueExternalIdPackage(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cosell-sfdx-'));
  const fields = join(dir, 'objects', 'Opportunity', 'fields');
  await mkdir(fields, { recursive: true });
  await writeFile(
    join(fields, 'Legacy_Deal_Key__c.field-meta.xml'),
    `<?xml version="1.0" encoding="UTF-8"?>
<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
    <fullName>Legacy_Deal_Key__c</fullName>
    <externalId>true</externalId>
    <label>Legacy Deal Key</label>
    <length>50</length>
    <type>Text</type>
    <unique>false</unique>
</CustomField>`,
  );
  return dir;
}

describe('SalesforceClient against the emulator', () => {
  let org: SalesforceTestOrg;
  let admin: Connection;
  let client: SalesforceClient;
  let extraPackageDir: string;

  beforeAll(async () => {
    org = await startSalesforceTestOrg();
    admin = await org.connectAsAdmin();
    client = new SalesforceClient(admin);
    const installed = await installSalesforcePackage({ conn: admin, pollIntervalMs: 50 });
    expect(installed.ok).toBe(true);
    extraPackageDir = await nonUniqueExternalIdPackage();
    const extra = await installSalesforcePackage({
      conn: admin,
      pollIntervalMs: 50,
      sourceDir: extraPackageDir,
    });
    expect(extra.ok).toBe(true);
  });
  afterAll(async () => {
    await org?.close();
    if (extraPackageDir) await rm(extraPackageDir, { recursive: true, force: true });
  });

  it('creates and updates more than 200 records in collections, with one outcome per record', async () => {
    const records = Array.from({ length: 450 }, (_, i) =>
      // Every 100th record lacks its required close date: Salesforce rejects just that one.
      i % 100 === 7 ? { Name: `Batch ${i}`, StageName: 'Prospecting' } : opportunity(`Batch ${i}`),
    );
    const created = await client.createMany('Opportunity', records);
    expect(created).toHaveLength(450);
    const failed = created.flatMap((outcome, i) => (outcome.ok ? [] : [{ i, ...outcome.error }]));
    expect(failed.map((f) => f.i)).toEqual([7, 107, 207, 307, 407]);
    for (const failure of failed) {
      expect(failure.code).toBe('REQUIRED_FIELD_MISSING');
      expect(failure.kind).toBe('permanent');
    }
    const ids = created.flatMap((outcome) => (outcome.ok ? [outcome.value.id] : []));
    expect(new Set(ids).size).toBe(445);
    const stored = await client.queryAll<{ Id: string }>(
      "SELECT Id FROM Opportunity WHERE Name LIKE 'Batch %'",
    );
    expect(stored).toHaveLength(445);

    const updates = ids.map((Id, i) =>
      i === 3 ? { Id, [n.howCanMicrosoftHelp]: 'Not a listed value' } : { Id, Amount: i },
    );
    const updated = await client.updateMany('Opportunity', updates);
    expect(updated).toHaveLength(445);
    expect(updated.filter((outcome) => !outcome.ok)).toHaveLength(1);
    expect(updated[3]).toMatchObject({
      ok: false,
      error: { code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', kind: 'permanent' },
    });
    const amounts = await client.queryAll<{ Amount: number }>(
      `SELECT Amount FROM Opportunity WHERE Id = '${ids[444]}'`,
    );
    expect(amounts[0]?.Amount).toBe(444);
  });

  it('upserts by the referral id: creates, then updates the same record', async () => {
    const first = await client.upsert(
      'Opportunity',
      n.referralId,
      opportunity('Upserted', { [n.referralId]: 'ref-1' }),
    );
    expect(first.created).toBe(true);
    const second = await client.upsert(
      'Opportunity',
      n.referralId,
      opportunity('Upserted again', { [n.referralId]: 'ref-1' }),
    );
    expect(second).toEqual({ id: first.id, created: false });
    const rows = await client.queryAll<{ Name: string }>(
      `SELECT Name FROM Opportunity WHERE ${n.referralId} = 'ref-1'`,
    );
    expect(rows.map((r) => r.Name)).toEqual(['Upserted again']);

    const many = await client.upsertMany('Opportunity', n.referralId, [
      opportunity('Upsert many 1', { [n.referralId]: 'ref-1' }),
      opportunity('Upsert many 2', { [n.referralId]: 'ref-2' }),
    ]);
    expect(many.map((o) => o.ok && o.value.created)).toEqual([false, true]);
  });

  it('classifies an upsert that matches several records as a conflict', async () => {
    await client.createMany('Opportunity', [
      opportunity('Twin A', { Legacy_Deal_Key__c: 'twin' }),
      opportunity('Twin B', { Legacy_Deal_Key__c: 'twin' }),
    ]);
    const error = await rejectionOf(
      client.upsert(
        'Opportunity',
        'Legacy_Deal_Key__c',
        opportunity('Twin C', { Legacy_Deal_Key__c: 'twin' }),
      ),
    );
    expect(error.kind).toBe('conflict');
    expect(error.code).toBe('MULTIPLE_CHOICES');
  });

  it('rejects a single invalid record with a permanent error saying what to fix', async () => {
    const error = await rejectionOf(client.create('Opportunity', { Name: 'No stage' }));
    expect(error.kind).toBe('permanent');
    expect(error.code).toBe('REQUIRED_FIELD_MISSING');
    expect(error.message).toContain('create Opportunity');
  });

  it('turns the org rules of the emulator into permanent rejections with the fix, single and per record', async () => {
    await org.control('/__emulator/org-realism', {
      validationRules: [
        {
          object: 'Opportunity',
          name: 'Amount_Needed',
          errorMessage: 'Enter an Amount before Qualification.',
          errorField: 'Amount',
          condition: {
            all: [
              { field: 'StageName', op: 'equals', value: 'Qualification' },
              { field: 'Amount', op: 'blank' },
            ],
          },
        },
      ],
      duplicateRules: [{ object: 'Account', name: 'Account_By_Name', matchFields: ['Name'] }],
    });
    try {
      const single = await rejectionOf(
        client.create('Opportunity', opportunity('Rule single', { StageName: 'Qualification' })),
      );
      expect(single.kind).toBe('permanent');
      expect(salesforceRejectionOf(single)).toMatchObject({
        errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        fields: ['Amount'],
        salesforceMessage: 'Enter an Amount before Qualification.',
      });
      const [good, bad] = await client.createMany('Opportunity', [
        opportunity('Rule ok'),
        opportunity('Rule bad', { StageName: 'Qualification' }),
      ]);
      expect(good?.ok).toBe(true);
      expect(bad?.ok === false && bad.error.rejection).toMatchObject({
        errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        fields: ['Amount'],
      });
      await client.create('Account', { Name: 'Rule Co' });
      const duplicate = await rejectionOf(client.create('Account', { Name: 'rule co' }));
      expect(duplicate.kind).toBe('permanent');
      expect(salesforceRejectionOf(duplicate)?.rule).toBe('Account_By_Name');
    } finally {
      await org.control('/__emulator/org-realism', { validationRules: [], duplicateRules: [] });
    }
  });

  it('iterates a query across pages (2,000+ rows)', async () => {
    const records = Array.from({ length: 2100 }, (_, i) =>
      opportunity(`Paged ${String(i).padStart(4, '0')}`),
    );
    const created = await client.createMany('Opportunity', records);
    expect(created.every((o) => o.ok)).toBe(true);
    const seen = new Set<string>();
    let rows = 0;
    for await (const row of client.query<{ Id: string; Name: string }>(
      "SELECT Id, Name FROM Opportunity WHERE Name LIKE 'Paged %' ORDER BY Name",
    )) {
      rows += 1;
      seen.add(row.Id);
    }
    expect(rows).toBe(2100);
    expect(seen.size).toBe(2100);
    const firstPage = await admin.query("SELECT Id FROM Opportunity WHERE Name LIKE 'Paged %'");
    expect(firstPage.done).toBe(false);
  });

  it('caches describes and reports the field list', async () => {
    const first = await client.describe('Opportunity');
    const second = await client.describe('Opportunity');
    expect(second).toBe(first);
    expect(first.fields.map((f) => f.name)).toContain(n.referralId);
  });

  it('classifies outages as transient: a 503, an HTML error page, a dropped connection', async () => {
    const [target] = await client.queryAll<{ Id: string }>(
      "SELECT Id FROM Opportunity WHERE Name LIKE 'Batch %' LIMIT 1",
    );
    const update = () => client.update('Opportunity', { Id: String(target?.Id), Amount: 5 });
    const inject = (rule: Record<string, unknown>) =>
      org.control('/__emulator/faults', {
        match: { method: 'PATCH', path: '/services/data/' },
        count: 1,
        ...rule,
      });

    await inject({ status: 503 });
    const unavailable = await rejectionOf(update());
    expect(unavailable.kind).toBe('transient');
    expect(unavailable.message).toContain('usually temporary');
    expect(unavailable.message).not.toContain('will be retried');

    await inject({ status: 502, html: true });
    const html = await rejectionOf(update());
    expect(html.kind).toBe('transient');
    expect(html.message).toContain('HTML page');
    expect(html.message).not.toContain('<html');

    await inject({ drop: true });
    const dropped = await rejectionOf(update());
    expect(dropped.kind).toBe('transient');

    await update();
    const [row] = await client.queryAll<{ Amount: number }>(
      `SELECT Amount FROM Opportunity WHERE Id = '${target?.Id}'`,
    );
    expect(row?.Amount).toBe(5);
  });

  it('tracks API usage and turns daily limit exhaustion into rate_limited', async () => {
    await org.control('/__emulator/limits', { used: 900, max: 1000 });
    await client.queryAll('SELECT Id FROM Opportunity LIMIT 1');
    const usage = client.apiUsage();
    expect(usage?.max).toBe(1000);
    expect(usage?.used).toBeGreaterThanOrEqual(900);
    expect(client.budgetExceeded(0.8)).toBe(true);
    expect(client.budgetExceeded(0.99)).toBe(false);

    await org.control('/__emulator/limits', { used: 1000, max: 1000 });
    const error = await rejectionOf(client.queryAll('SELECT Id FROM Opportunity LIMIT 1'));
    expect(error.kind).toBe('rate_limited');
    expect(error.code).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    await org.control('/__emulator/limits', { used: 0, max: 1000 });
  });
});
