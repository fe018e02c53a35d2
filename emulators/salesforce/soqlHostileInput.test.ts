import fc from 'fast-check';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileText } from '../../test/support/mutatedText.ts';
import { loginAs, startTestEmulator, TEST_API_VERSION } from '../../test/support/salesforceEmulatorKit.ts';
import type { SalesforceEmulator } from './startSalesforceEmulator.ts';

const samples = [
  'SELECT Id, Name FROM Account',
  'SELECT Id, Name, StageName FROM Opportunity WHERE Sync_with_Partner_Center__c = true AND SystemModstamp > 2026-01-01T00:00:00Z ORDER BY SystemModstamp LIMIT 200',
  "SELECT Id FROM Opportunity WHERE Name LIKE 'Con%' OR (Amount > 100 AND CurrencyIsoCode IN ('USD', 'EUR'))",
  'SELECT COUNT(Id) FROM Opportunity GROUP BY StageName',
  'SELECT Id, Account.Name, (SELECT Id FROM OpportunityContactRoles) FROM Opportunity WHERE CloseDate = TODAY',
  "SELECT Id FROM Contact WHERE Email = 'it''s@contoso.example' LIMIT 1 OFFSET 2",
];

let emulator: SalesforceEmulator;
let conn: Connection;
beforeAll(async () => {
  emulator = await startTestEmulator();
  conn = await loginAs(emulator, 'admin');
});
afterAll(async () => emulator.close());

async function query(soql: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(
    `${emulator.url}/services/data/v${TEST_API_VERSION}/query?q=${encodeURIComponent(soql)}`,
    { headers: { authorization: `Bearer ${conn.accessToken}` } },
  );
  return { status: response.status, body: await response.json() };
}

describe('the Salesforce emulator’s SOQL engine under random and mutated queries', () => {
  it('property: answers 200 with records or a 400 in Salesforce’s error shape, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText(samples), async (soql) => {
        const { status, body } = await query(soql);
        if (status === 200) {
          expect(body).toMatchObject({ done: expect.any(Boolean), records: expect.any(Array) });
          return;
        }
        expect(status).toBe(400);
        expect(body).toEqual([
          expect.objectContaining({ errorCode: expect.any(String), message: expect.any(String) }),
        ]);
      }),
      { numRuns: 400 },
    );
  });

  // Sizes stay under Node's 16 KiB header limit, so the query reaches the engine.
  it('answers deeply nested conditions and long OR chains without a 5xx', async () => {
    const nested = `SELECT Id FROM Account WHERE ${'('.repeat(1_500)}Name = 'x'${')'.repeat(1_500)}`;
    const long = `SELECT Id FROM Account WHERE ${Array(300).fill("Name = 'x'").join(' OR ')}`;
    for (const soql of [nested, long]) expect([200, 400]).toContain((await query(soql)).status);
  });
});
