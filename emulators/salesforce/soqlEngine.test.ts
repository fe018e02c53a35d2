import type { Connection } from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import { control, loginAs, startTestEmulator } from '../../test/support/salesforceEmulatorKit.ts';
import type { SalesforceEmulator } from './startSalesforceEmulator.ts';

let emulator: SalesforceEmulator;
let conn: Connection;

beforeAll(async () => {
  // A fixed clock keeps date-literal assertions (TODAY, YESTERDAY) independent of when the suite runs.
  emulator = await startTestEmulator({ clock: new ManualClock('2026-05-10T12:00:00.000Z') });
  conn = await loginAs(emulator, 'admin');
});
afterAll(async () => emulator.close());

const names = (records: Array<Record<string, unknown>>) => records.map((record) => record['Name']);

describe('paging', () => {
  beforeEach(async () => {
    await control(emulator, 'reset');
  });

  it('pages 2,100 rows in 2,000-row pages with a locator jsforce can follow', async () => {
    const records = Array.from({ length: 2100 }, (_, index) => ({
      Name: `Bulk ${String(index).padStart(4, '0')}`,
    }));
    const results = await conn.sobject('Account').create(records, { allowRecursive: true });
    expect(results.filter((result) => result.success)).toHaveLength(2100);
    const first = await conn.query('SELECT Id, Name FROM Account ORDER BY Name');
    expect(first).toMatchObject({ totalSize: 2100, done: false });
    expect(first.records).toHaveLength(2000);
    const locator = first.nextRecordsUrl?.split('/').pop() ?? '';
    expect(locator).toMatch(/^01g[0-9a-f]+-2000$/);
    const second = await conn.queryMore(first.nextRecordsUrl ?? '');
    expect(second.done).toBe(true);
    expect(names(second.records)).toEqual([
      'Bulk 2000',
      ...Array.from({ length: 99 }, (_, i) => `Bulk ${2001 + i}`),
    ]);
    const all = await conn.query('SELECT Name FROM Account').run({ autoFetch: true, maxFetch: 5000 });
    expect(all.records).toHaveLength(2100);
  });
});

describe('query semantics', () => {
  let accountId = '';
  let opportunityIds: string[] = [];

  beforeAll(async () => {
    await control(emulator, 'reset');
    const account = await conn.sobject('Account').create({ Name: "O'Brien Ltd", BillingCountry: 'IE' });
    accountId = account.id as string;
    const created = await conn.sobject('Opportunity').create([
      { Name: 'Alpha', StageName: 'Prospecting', CloseDate: '2026-01-15', Amount: 100, AccountId: accountId },
      { Name: 'beta', StageName: 'Closed Won', CloseDate: '2026-02-15', Amount: 300, AccountId: accountId },
      { Name: 'Gamma', StageName: 'Qualification', CloseDate: '2026-03-15' },
      { Name: 'Delta', StageName: 'Closed Lost', CloseDate: '2026-04-15', Amount: 200 },
    ]);
    opportunityIds = created.map((result) => result.id as string);
    const contact = await conn
      .sobject('Contact')
      .create({ LastName: 'Ng', Email: 'ng@example.com', AccountId: accountId });
    await conn.sobject('OpportunityContactRole').create({
      OpportunityId: opportunityIds[0],
      ContactId: contact.id,
      Role: 'Decision Maker',
      IsPrimary: true,
    });
    await conn
      .sobject('Opportunity')
      .destroy(
        (
          await conn
            .sobject('Opportunity')
            .create({ Name: 'Deleted', StageName: 'Prospecting', CloseDate: '2026-01-01' })
        ).id as string,
      );
  });

  const query = async (soql: string) => (await conn.query(soql)).records;

  it('filters with comparisons, AND/OR/NOT, IN, NOT IN, LIKE and null checks', async () => {
    expect(names(await query('SELECT Name FROM Opportunity WHERE Amount > 150 ORDER BY Amount'))).toEqual([
      'Delta',
      'beta',
    ]);
    expect(names(await query("SELECT Name FROM Opportunity WHERE StageName = 'closed won'"))).toEqual([
      'beta',
    ]);
    expect(
      names(
        await query(
          "SELECT Name FROM Opportunity WHERE (Amount = null OR Amount < 150) AND NOT Name LIKE 'g%' ORDER BY Name",
        ),
      ),
    ).toEqual(['Alpha']);
    expect(
      names(
        await query(
          "SELECT Name FROM Opportunity WHERE StageName IN ('Prospecting', 'Qualification') ORDER BY Name",
        ),
      ),
    ).toEqual(['Alpha', 'Gamma']);
    expect(
      names(
        await query(
          "SELECT Name FROM Opportunity WHERE StageName NOT IN ('Prospecting', 'Qualification') ORDER BY Name",
        ),
      ),
    ).toEqual(['beta', 'Delta']);
    expect(names(await query('SELECT Name FROM Opportunity WHERE Amount != null ORDER BY Name'))).toEqual([
      'Alpha',
      'beta',
      'Delta',
    ]);
    expect(names(await query("SELECT Name FROM Account WHERE Name LIKE 'O\\'Brien%'"))).toEqual([
      "O'Brien Ltd",
    ]);
    expect(names(await query('SELECT Name FROM Opportunity WHERE IsClosed = true ORDER BY Name'))).toEqual([
      'beta',
      'Delta',
    ]);
  });

  it('compares dates and datetimes, including date literals', async () => {
    expect(
      names(await query('SELECT Name FROM Opportunity WHERE CloseDate >= 2026-03-01 ORDER BY CloseDate')),
    ).toEqual(['Gamma', 'Delta']);
    expect(await query('SELECT Name FROM Opportunity WHERE CreatedDate = TODAY')).toHaveLength(4);
    expect(await query('SELECT Name FROM Opportunity WHERE CreatedDate = LAST_N_DAYS:3')).toHaveLength(4);
    expect(await query('SELECT Name FROM Opportunity WHERE CreatedDate < YESTERDAY')).toHaveLength(0);
    expect(
      await query('SELECT Name FROM Opportunity WHERE SystemModstamp > 2020-01-01T00:00:00Z'),
    ).toHaveLength(4);
  });

  it('orders by several keys with NULLS FIRST/LAST and applies LIMIT and OFFSET', async () => {
    expect(names(await query('SELECT Name FROM Opportunity ORDER BY Amount DESC NULLS FIRST, Name'))).toEqual(
      ['Gamma', 'beta', 'Delta', 'Alpha'],
    );
    expect(
      names(await query('SELECT Name FROM Opportunity ORDER BY Amount ASC NULLS LAST LIMIT 2 OFFSET 1')),
    ).toEqual(['Delta', 'beta']);
  });

  it('counts with COUNT() and COUNT(field)', async () => {
    const count = await conn.query('SELECT COUNT() FROM Opportunity WHERE IsClosed = false');
    expect(count).toMatchObject({ totalSize: 2, records: [] });
    const aggregate = await query('SELECT COUNT(Amount) total FROM Opportunity');
    expect(aggregate[0]).toMatchObject({ total: 3 });
  });

  it('aggregates with MIN, MAX, SUM, AVG and COUNT_DISTINCT, grouped or not', async () => {
    const [totals] = await query(
      'SELECT SUM(Amount) total, MAX(Amount), MIN(CloseDate), AVG(Amount) FROM Opportunity',
    );
    expect(totals).toMatchObject({
      attributes: { type: 'AggregateResult' },
      total: 600,
      expr0: 300,
      expr1: '2026-01-15',
      expr2: 200,
    });
    const byStage = await query(
      'SELECT IsClosed, COUNT(Id) n, COUNT_DISTINCT(StageName) stages FROM Opportunity GROUP BY IsClosed ORDER BY IsClosed',
    );
    expect(byStage.map((row) => [row['IsClosed'], row['n'], row['stages']])).toEqual([
      [false, 2, 2],
      [true, 2, 2],
    ]);
    await expect(conn.query('SELECT Name, COUNT(Id) FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'MALFORMED_QUERY',
    });
  });

  it('returns parent fields as nested records, null when the lookup is empty', async () => {
    const records = await query(
      'SELECT Name, Account.Name, Account.BillingCountry, Owner.Email FROM Opportunity ORDER BY Name',
    );
    expect(records[0]).toMatchObject({
      Name: 'Alpha',
      Account: { attributes: { type: 'Account' }, Name: "O'Brien Ltd", BillingCountry: 'IE' },
      Owner: { Email: emulator.users.admin.username },
    });
    expect(records.find((record) => record['Name'] === 'Gamma')?.['Account']).toBeNull();
    expect(
      names(await query("SELECT Name FROM Opportunity WHERE Account.Name LIKE 'O%' ORDER BY Name")),
    ).toEqual(['Alpha', 'beta']);
  });

  it('returns child sub-queries as nested results, null when there are no children', async () => {
    const records = await query(
      'SELECT Name, (SELECT Role, IsPrimary, Contact.Email FROM OpportunityContactRoles), (SELECT Id FROM OpportunityTeamMembers) FROM Opportunity ORDER BY Name',
    );
    expect(records[0]).toMatchObject({
      Name: 'Alpha',
      OpportunityContactRoles: {
        totalSize: 1,
        done: true,
        records: [{ Role: 'Decision Maker', IsPrimary: true, Contact: { Email: 'ng@example.com' } }],
      },
      OpportunityTeamMembers: null,
    });
    expect(records[1]?.['OpportunityContactRoles']).toBeNull();
    const accounts = await query(
      'SELECT Name, (SELECT Name FROM Opportunities ORDER BY Name DESC) FROM Account',
    );
    const opportunities = accounts[0]?.['Opportunities'] as
      | { records: Array<Record<string, unknown>> }
      | undefined;
    expect(names(opportunities?.records ?? [])).toEqual(['beta', 'Alpha']);
  });

  it('supports semi-joins and queryAll sees deleted rows', async () => {
    expect(
      names(
        await query(
          'SELECT Name FROM Opportunity WHERE Id IN (SELECT OpportunityId FROM OpportunityContactRole)',
        ),
      ),
    ).toEqual(['Alpha']);
    const all = await conn.query('SELECT Name, IsDeleted FROM Opportunity WHERE IsDeleted = true', {
      scanAll: true,
    });
    expect(all.records).toEqual([expect.objectContaining({ Name: 'Deleted', IsDeleted: true })]);
  });

  it('rejects bad queries with MALFORMED_QUERY, INVALID_FIELD and INVALID_TYPE', async () => {
    await expect(conn.query('SELECT FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'MALFORMED_QUERY',
    });
    await expect(conn.query('SELECT Nope__c FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    });
    await expect(conn.query('SELECT Id FROM Nope__c')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
  });

  it('reads the read-only Organization and OpportunityStage objects', async () => {
    const stages = await query(
      'SELECT ApiName, DefaultProbability, IsWon FROM OpportunityStage WHERE IsClosed = true ORDER BY SortOrder',
    );
    expect(stages.map((stage) => [stage['ApiName'], stage['DefaultProbability'], stage['IsWon']])).toEqual([
      ['Closed Won', 100, true],
      ['Closed Lost', 0, false],
    ]);
    const [organization] = await query('SELECT Id, Name FROM Organization');
    expect(organization?.['Id']).toBe(emulator.orgId);
  });
});
