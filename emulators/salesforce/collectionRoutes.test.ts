import { expect, it } from 'vitest';
import { useEmulatorSuite } from '../../test/support/salesforceEmulatorKit.ts';

const suite = useEmulatorSuite();

const accountCount = async () => (await suite.conn.query('SELECT COUNT() FROM Account')).totalSize;

it('creates several records and reports a per-record failure with statusCode when allOrNone is false', async () => {
  const results = await suite.conn
    .sobject('Account')
    .create([{ Name: 'A' }, { Description: 'no name' }, { Name: 'C' }], {
      allOrNone: false,
    });
  expect(results.map((result) => result.success)).toEqual([true, false, true]);
  const failure = results[1] as unknown as { errors: Array<{ statusCode: string; fields: string[] }> };
  expect(failure.errors[0]).toMatchObject({ statusCode: 'REQUIRED_FIELD_MISSING', fields: ['Name'] });
  expect(await accountCount()).toBe(2);
});

it('rolls every record back when allOrNone is true and one fails', async () => {
  const results = await suite.conn
    .sobject('Account')
    .create([{ Name: 'A' }, { Description: 'no name' }, { Name: 'C' }], {
      allOrNone: true,
    });
  expect(results.every((result) => !result.success)).toBe(true);
  const codes = results.map(
    (result) => (result as unknown as { errors: Array<{ statusCode: string }> }).errors[0]?.statusCode,
  );
  expect(codes).toEqual([
    'ALL_OR_NONE_OPERATION_ROLLED_BACK',
    'REQUIRED_FIELD_MISSING',
    'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  ]);
  expect(await accountCount()).toBe(0);
});

it('updates, retrieves and deletes collections, rolling back updates under allOrNone', async () => {
  const created = await suite.conn.sobject('Account').create([{ Name: 'One' }, { Name: 'Two' }]);
  const ids = created.map((result) => result.id as string);
  const updated = await suite.conn.sobject('Account').update(
    [
      { Id: ids[0] as string, Name: 'One updated' },
      { Id: ids[1] as string, NumberOfEmployees: 'many' },
    ],
    { allOrNone: true },
  );
  expect(updated.map((result) => result.success)).toEqual([false, false]);
  const retrieved = await suite.conn.sobject('Account').retrieve(ids, { fields: ['Name'] });
  expect(retrieved.map((record) => record?.['Name'])).toEqual(['One', 'Two']);
  const deleted = await suite.conn.sobject('Account').destroy(ids);
  expect(deleted.every((result) => result.success)).toBe(true);
  expect(await accountCount()).toBe(0);
});

it('upserts a collection by external id, creating and updating, and rolls back with allOrNone', async () => {
  await suite.conn
    .sobject('User')
    .create({ Username: 'u1@example.com', Email: 'u1@example.com', LastName: 'One' });
  const results = await suite.conn.sobject('User').upsert(
    [
      { Username: 'u1@example.com', FirstName: 'First' },
      { Username: 'u2@example.com', Email: 'u2@example.com', LastName: 'Two' },
    ],
    'Username',
  );
  expect(results.map((result) => [result.success, result.created])).toEqual([
    [true, false],
    [true, true],
  ]);
  const rolledBack = await suite.conn.sobject('User').upsert(
    [
      { Username: 'u1@example.com', Title: 'Rolled back' },
      { Username: 'u3@example.com', Email: 'u3@example.com', LastName: 'Three' },
      { Username: 'u4@example.com', Email: 'not-an-email', LastName: 'Four' },
    ],
    'Username',
    { allOrNone: true },
  );
  expect(rolledBack.map((result) => [result.success, result.created])).toEqual([
    [false, false],
    [false, true],
    [false, true],
  ]);
  const [u1] = (await suite.conn.query("SELECT Title FROM User WHERE Username = 'u1@example.com'")).records;
  expect(u1?.['Title']).toBeNull();
  const users = await suite.conn.query(
    "SELECT Username FROM User WHERE Username LIKE 'u%@example.com' ORDER BY Username",
  );
  expect(users.records.map((user) => user['Username'])).toEqual(['u1@example.com', 'u2@example.com']);
});

it('refuses more than 200 records in one call', async () => {
  const records = Array.from({ length: 201 }, (_, index) => ({ Name: `Bulk ${index}` }));
  await expect(suite.conn.sobject('Account').create(records)).rejects.toMatchObject({
    errorCode: 'EXCEEDED_ID_LIMIT',
  });
  expect(await accountCount()).toBe(0);
});
