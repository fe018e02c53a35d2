import type { Connection } from 'jsforce';
import JSZip from 'jszip';
import { beforeEach, describe, expect, it } from 'vitest';
import { control, loginAs, useEmulatorSuite } from '../../test/support/salesforceEmulatorKit.ts';

const suite = useEmulatorSuite();

const NS = 'http://soap.sforce.com/2006/04/metadata';
const OPPORTUNITY_FIELDS = `<?xml version="1.0" encoding="UTF-8"?>
<CustomObject xmlns="${NS}">
  <fields>
    <fullName>Partner_Center_Referral_Id__c</fullName>
    <label>Partner Center Referral Id</label>
    <type>Text</type><length>100</length>
    <externalId>true</externalId><unique>true</unique><caseSensitive>false</caseSensitive>
  </fields>
  <fields>
    <fullName>Microsoft_CRM_Id__c</fullName>
    <label>Microsoft CRM Id</label>
    <type>Text</type><length>50</length><externalId>true</externalId>
  </fields>
  <fields>
    <fullName>Partner_Center_Sync_Status__c</fullName>
    <label>Partner Center Sync Status</label>
    <type>Picklist</type>
    <valueSet><restricted>true</restricted><valueSetDefinition><sorted>false</sorted>
      <value><fullName>Pending</fullName><default>true</default><label>Pending</label></value>
      <value><fullName>Synced</fullName><default>false</default><label>Synced</label></value>
      <value><fullName>Error</fullName><default>false</default><label>Error</label></value>
    </valueSetDefinition></valueSet>
  </fields>
</CustomObject>`;
const SOLUTION_OBJECT = `<?xml version="1.0" encoding="UTF-8"?>
<CustomObject xmlns="${NS}">
  <label>Microsoft Solution</label><pluralLabel>Microsoft Solutions</pluralLabel>
  <nameField><label>Solution Name</label><type>Text</type></nameField>
  <deploymentStatus>Deployed</deploymentStatus><sharingModel>ControlledByParent</sharingModel>
  <fields>
    <fullName>Opportunity__c</fullName><label>Opportunity</label><type>MasterDetail</type>
    <referenceTo>Opportunity</referenceTo><relationshipName>Microsoft_Solutions</relationshipName>
  </fields>
  <fields><fullName>Solution_Id__c</fullName><label>Solution Id</label><type>Text</type><length>100</length></fields>
</CustomObject>`;
const permissionSet = (fields: string[]) => `<?xml version="1.0" encoding="UTF-8"?>
<PermissionSet xmlns="${NS}">
  <label>Co-sell Connector</label>
  ${fields.map((field) => `<fieldPermissions><field>${field}</field><readable>true</readable><editable>true</editable></fieldPermissions>`).join('')}
</PermissionSet>`;
const manifest = (types: Record<string, string[]>) => `<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="${NS}">
  ${Object.entries(types)
    .map(
      ([name, members]) =>
        `<types>${members.map((member) => `<members>${member}</members>`).join('')}<name>${name}</name></types>`,
    )
    .join('')}
  <version>62.0</version>
</Package>`;

const GRANTED_FIELDS = [
  'Opportunity.Partner_Center_Referral_Id__c',
  'Opportunity.Microsoft_CRM_Id__c',
  'Opportunity.Partner_Center_Sync_Status__c',
  'Microsoft_Solution__c.Solution_Id__c',
];

async function packageZip(files: Record<string, string>, folder = ''): Promise<Buffer> {
  const zip = new JSZip();
  for (const [name, content] of Object.entries(files)) zip.file(`${folder}${name}`, content);
  return zip.generateAsync({ type: 'nodebuffer' });
}

const fullPackage = (permissionSetFields = GRANTED_FIELDS) => ({
  'package.xml': manifest({
    CustomObject: ['Opportunity', 'Microsoft_Solution__c'],
    PermissionSet: ['CoSell_Connector'],
  }),
  'objects/Opportunity.object': OPPORTUNITY_FIELDS,
  'objects/Microsoft_Solution__c.object': SOLUTION_OBJECT,
  'permissionsets/CoSell_Connector.permissionset': permissionSet(permissionSetFields),
});

async function deploy(conn: Connection, zip: Buffer, options: Record<string, boolean> = {}) {
  conn.metadata.pollInterval = 20;
  return conn.metadata.deploy(zip, { singlePackage: true, ...options }).complete(true);
}

describe('deploy', () => {
  beforeEach(async () => {
    await control(suite.emulator, 'reset');
  });

  it('deploys fields, a custom object and a permission set; FLS applies to the integration user', async () => {
    const progress: string[] = [];
    suite.conn.metadata.pollInterval = 20;
    const locator = suite.conn.metadata.deploy(await packageZip(fullPackage()), { singlePackage: true });
    locator.on('progress', (result: { status: string }) => progress.push(result.status));
    const result = await locator.complete(true);
    expect(progress).toEqual(['InProgress']);
    expect(result).toMatchObject({
      done: true,
      success: true,
      status: 'Succeeded',
      numberComponentsTotal: 7,
      numberComponentsDeployed: 7,
    });

    const describeResult = await suite.conn.describe('Opportunity');
    const referralId = describeResult.fields.find((field) => field.name === 'Partner_Center_Referral_Id__c');
    expect(referralId).toMatchObject({
      type: 'string',
      length: 100,
      externalId: true,
      unique: true,
      custom: true,
    });
    expect(describeResult.childRelationships.map((child) => child.relationshipName)).toContain(
      'Microsoft_Solutions__r',
    );

    const opportunity = await suite.conn.sobject('Opportunity').create({
      Name: 'Deployed',
      StageName: 'Prospecting',
      CloseDate: '2026-06-30',
      Partner_Center_Referral_Id__c: 'ref-1',
    });
    await suite.conn
      .sobject('Microsoft_Solution__c')
      .create({ Name: 'Azure', Opportunity__c: opportunity.id, Solution_Id__c: 'S-1' });
    const defaulted = await suite.conn
      .sobject('Opportunity')
      .retrieve(opportunity.id as string, { fields: ['Partner_Center_Sync_Status__c'] });
    expect(defaulted['Partner_Center_Sync_Status__c']).toBe('Pending');

    const integration = await loginAs(suite.emulator, 'integration');
    await expect(
      integration.query('SELECT Partner_Center_Referral_Id__c FROM Opportunity'),
    ).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: expect.stringContaining('No such column'),
    });
    await expect(
      integration
        .sobject('Opportunity')
        .update({ Id: opportunity.id as string, Partner_Center_Referral_Id__c: 'x' }),
    ).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    const hidden = await integration.describe('Opportunity');
    expect(hidden.fields.some((field) => field.name === 'Partner_Center_Referral_Id__c')).toBe(false);

    const [permission] = (
      await suite.conn.query("SELECT Id FROM PermissionSet WHERE Name = 'CoSell_Connector'")
    ).records;
    await suite.conn.sobject('PermissionSetAssignment').create({
      AssigneeId: suite.emulator.users.integration.id,
      PermissionSetId: permission?.['Id'],
    });
    const visible = await integration.query(
      'SELECT Name, Partner_Center_Referral_Id__c, (SELECT Name, Solution_Id__c FROM Microsoft_Solutions__r) FROM Opportunity',
    );
    expect(visible.records[0]).toMatchObject({
      Partner_Center_Referral_Id__c: 'ref-1',
      Microsoft_Solutions__r: { totalSize: 1, records: [{ Name: 'Azure', Solution_Id__c: 'S-1' }] },
    });
    const upserted = await integration
      .sobject('Opportunity')
      .upsert(
        { Partner_Center_Referral_Id__c: 'ref-1', Partner_Center_Sync_Status__c: 'Synced' },
        'Partner_Center_Referral_Id__c',
      );
    expect(upserted).toMatchObject({ id: opportunity.id, created: false });
    await expect(
      integration.sobject('Opportunity').create({
        Name: 'Dup',
        StageName: 'Prospecting',
        CloseDate: '2026-06-30',
        Partner_Center_Referral_Id__c: 'REF-1',
      }),
    ).rejects.toMatchObject({ errorCode: 'DUPLICATE_VALUE' });
    await expect(
      integration
        .sobject('Opportunity')
        .update({ Id: opportunity.id as string, Partner_Center_Sync_Status__c: 'Maybe' }),
    ).rejects.toMatchObject({ errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST' });
  });

  it('answers 300 when an upsert key matches several records', async () => {
    await deploy(suite.conn, await packageZip(fullPackage()));
    const base = { StageName: 'Prospecting', CloseDate: '2026-06-30', Microsoft_CRM_Id__c: 'MSX-1' };
    await suite.conn.sobject('Opportunity').create([
      { Name: 'One', ...base },
      { Name: 'Two', ...base },
    ]);
    const error = await suite.conn
      .sobject('Opportunity')
      .upsert({ Microsoft_CRM_Id__c: 'MSX-1', Name: 'Three' }, 'Microsoft_CRM_Id__c')
      .catch((caught: unknown) => caught as { errorCode: string; data: unknown });
    expect(error).toMatchObject({ errorCode: 'MULTIPLE_CHOICES' });
    expect((error as { data: string[] }).data).toHaveLength(2);
  });

  it('deploys nothing with checkOnly, and rolls everything back when a component fails', async () => {
    const checked = await deploy(suite.conn, await packageZip(fullPackage()), { checkOnly: true });
    expect(checked).toMatchObject({ success: true, checkOnly: true });
    let fields = (await suite.conn.describe('Opportunity')).fields.map((field) => field.name);
    expect(fields).not.toContain('Partner_Center_Referral_Id__c');

    const broken = await deploy(
      suite.conn,
      await packageZip(
        fullPackage([...GRANTED_FIELDS, 'Opportunity.Missing__c', 'Microsoft_Solution__c.Opportunity__c']),
      ),
    );
    expect(broken).toMatchObject({ done: true, success: false, status: 'Failed', numberComponentErrors: 1 });
    const failures = broken.details?.componentFailures;
    const failureList = Array.isArray(failures) ? failures : [failures];
    expect(failureList[0]).toMatchObject({
      componentType: 'PermissionSet',
      fullName: 'CoSell_Connector',
      problem: expect.stringContaining('Missing__c'),
    });
    fields = (await suite.conn.describe('Opportunity')).fields.map((field) => field.name);
    expect(fields).not.toContain('Partner_Center_Referral_Id__c');
  });

  it('deploys every field of the object files for a CustomField wildcard', async () => {
    const files = {
      'package.xml': manifest({ CustomField: ['*'] }),
      'objects/Opportunity.object': OPPORTUNITY_FIELDS,
    };
    const result = await deploy(suite.conn, await packageZip(files));
    expect(result).toMatchObject({ success: true, numberComponentsDeployed: 3 });
    const fields = (await suite.conn.describe('Opportunity')).fields.map((field) => field.name);
    expect(fields).toEqual(
      expect.arrayContaining([
        'Partner_Center_Referral_Id__c',
        'Microsoft_CRM_Id__c',
        'Partner_Center_Sync_Status__c',
      ]),
    );
  });

  it('reports components named in package.xml but missing from a folder-based zip', async () => {
    const files = {
      'package.xml': manifest({ CustomObject: ['Opportunity'], Layout: ['Opportunity-Opportunity Layout'] }),
    };
    const result = await deploy(suite.conn, await packageZip(files, 'unpackaged/'), { singlePackage: false });
    expect(result.success).toBe(false);
    const failures = result.details?.componentFailures;
    expect(JSON.stringify(failures)).toContain(
      'was named in package.xml, but was not found in zipped directory',
    );
  });
});

describe('CRUD metadata calls', () => {
  beforeEach(async () => {
    await control(suite.emulator, 'reset');
  });

  it('creates, upserts and reads custom fields', async () => {
    const created = await suite.conn.metadata.create('CustomField', {
      fullName: 'Opportunity.Share_with_Microsoft_Sellers__c',
      label: 'Share with Microsoft Sellers',
      type: 'Checkbox',
      defaultValue: 'false',
    });
    expect(created).toMatchObject({ success: true, fullName: 'Opportunity.Share_with_Microsoft_Sellers__c' });
    const again = await suite.conn.metadata.create('CustomField', {
      fullName: 'Opportunity.Share_with_Microsoft_Sellers__c',
      label: 'Again',
      type: 'Checkbox',
    });
    expect(again).toMatchObject({ success: false });
    const upserted = await suite.conn.metadata.upsert('CustomField', {
      fullName: 'Opportunity.Partner_Center_Status__c',
      label: 'Partner Center Status',
      type: 'Text',
      length: 100,
    });
    expect(upserted).toMatchObject({ success: true, created: true });
    const read = await suite.conn.metadata.read('CustomField', 'Opportunity.Partner_Center_Status__c');
    expect(read).toMatchObject({
      fullName: 'Opportunity.Partner_Center_Status__c',
      type: 'Text',
      length: 100,
    });
    const opportunity = await suite.conn.sobject('Opportunity').create({
      Name: 'Flags',
      StageName: 'Prospecting',
      CloseDate: '2026-06-30',
    });
    const record = await suite.conn.sobject('Opportunity').retrieve(opportunity.id as string);
    expect(record['Share_with_Microsoft_Sellers__c']).toBe(false);
  });

  it('creates a custom object with its fields', async () => {
    const result = await suite.conn.metadata.create('CustomObject', {
      fullName: 'Co_Sell_Note__c',
      label: 'Co-sell Note',
      pluralLabel: 'Co-sell Notes',
      nameField: { label: 'Note Name', type: 'Text' },
      deploymentStatus: 'Deployed',
      sharingModel: 'ReadWrite',
      fields: [{ fullName: 'Body__c', label: 'Body', type: 'LongTextArea', length: 32768, visibleLines: 5 }],
    });
    expect(result).toMatchObject({ success: true });
    const created = await suite.conn.sobject('Co_Sell_Note__c').create({ Body__c: 'hello' });
    const [row] = (
      await suite.conn.query(`SELECT Id, Name, Body__c FROM Co_Sell_Note__c WHERE Id = '${created.id}'`)
    ).records;
    expect(row).toMatchObject({ Name: created.id, Body__c: 'hello' });
    expect(created.id).toMatch(/^a01/);
  });

  it('refuses an expired session with a SOAP INVALID_SESSION_ID fault that jsforce recovers from by logging in again', async () => {
    await control(suite.emulator, 'sessions/expire');
    const result = await suite.conn.metadata.upsert('CustomField', {
      fullName: 'Opportunity.After_Refresh__c',
      label: 'After refresh',
      type: 'Text',
      length: 10,
    });
    expect(result).toMatchObject({ success: true });
    const raw = await fetch(`${suite.emulator.url}/services/Soap/m/62.0`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: '""' },
      body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><SessionHeader><sessionId>bogus</sessionId></SessionHeader></soapenv:Header><soapenv:Body><readMetadata><type>CustomField</type><fullNames>x</fullNames></readMetadata></soapenv:Body></soapenv:Envelope>`,
    });
    expect(raw.status).toBe(500);
    expect(await raw.text()).toContain('<faultcode>sf:INVALID_SESSION_ID</faultcode>');
  });
});
