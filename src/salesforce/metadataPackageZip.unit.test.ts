import { readFile } from 'node:fs/promises';
import { XMLParser } from 'fast-xml-parser';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { defaultTaxonomy } from '../domain/referralTaxonomy.ts';
import { buildMetadataPackage } from './metadataPackageZip.ts';
import {
  defaultSalesforceFieldNames as n,
  opportunityCustomFields,
  solutionCustomFields,
} from './salesforceFieldNames.ts';
import { taxonomyPicklistValues } from './taxonomyPicklists.ts';

const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  isArray: (name) =>
    [
      'fields',
      'value',
      'types',
      'members',
      'fieldPermissions',
      'objectPermissions',
      'layoutSections',
      'layoutColumns',
      'layoutItems',
      'relatedLists',
    ].includes(name),
});

async function unzip() {
  const pkg = await buildMetadataPackage();
  const zip = await JSZip.loadAsync(pkg.zip);
  const read = async (path: string) => {
    const file = zip.file(path);
    if (!file) throw new Error(`${path} is not in the zip`);
    return parser.parse(await file.async('string'));
  };
  return { pkg, zip, read };
}

type Field = Record<string, string | undefined> & {
  valueSet?: { valueSetDefinition: { value: Array<{ fullName: string }> }; restricted: string };
};

describe('buildMetadataPackage', () => {
  it('lists every component in package.xml at the zip root, at the fixed API version', async () => {
    const { pkg, read } = await unzip();
    const manifest = (await read('package.xml')).Package;
    expect(manifest.version).toBe('62.0');
    const byType = Object.fromEntries(
      manifest.types.map((t: { name: string; members: string[] }) => [t.name, t.members]),
    );
    expect(byType.CustomObject).toEqual([n.solutionObject]);
    expect([...byType.CustomField].sort()).toEqual(
      [
        ...opportunityCustomFields(n).map((f) => `Opportunity.${f}`),
        ...solutionCustomFields(n).map((f) => `${n.solutionObject}.${f}`),
        `Lead.${n.leadReferralId}`,
      ].sort(),
    );
    expect(byType.PermissionSet).toEqual(['Cosell_Connector_Integration']);
    expect(byType.Layout).toContain('Opportunity-Microsoft Partner Center Layout');
    expect(pkg.componentCount).toBe(25);
  });

  it('carries exactly the DESIGN §8 fields with their types, lengths and picklist values', async () => {
    const { read } = await unzip();
    const opportunity = (await read('objects/Opportunity.object')).CustomObject;
    const fields = new Map<string, Field>(opportunity.fields.map((f: Field) => [f.fullName, f]));
    expect([...fields.keys()].sort()).toEqual(opportunityCustomFields(n).sort());
    expect(fields.get(n.syncWithPartnerCenter)).toMatchObject({ type: 'Checkbox', defaultValue: 'false' });
    expect(fields.get(n.referralId)).toMatchObject({
      type: 'Text',
      length: '100',
      externalId: 'true',
      unique: 'true',
    });
    expect(fields.get(n.referralLink)).toMatchObject({ type: 'Url' });
    expect(fields.get(n.shareWithMicrosoftSellers)).toMatchObject({ type: 'Checkbox' });
    expect(fields.get(n.partnerCenterStatus)).toMatchObject({ type: 'Text' });
    expect(fields.get(n.partnerCenterStatusReason)).toMatchObject({ type: 'Text', length: '255' });
    expect(fields.get(n.audit)).toMatchObject({ type: 'LongTextArea' });
    expect(fields.get(n.microsoftCrmId)).toMatchObject({ type: 'Text', length: '50' });
    const values = (name: string) =>
      fields.get(name)?.valueSet?.valueSetDefinition.value.map((v) => v.fullName);
    expect(values(n.howCanMicrosoftHelp)).toEqual([
      'Workload specific value proposition',
      'Customer technical architecture',
      'Proof of concept or demo',
      'Quotes or licensing',
      'Post sales customer success',
      'General or other',
    ]);
    expect(values(n.syncStatus)).toEqual(['Synced', 'Pending', 'Error']);
    expect(fields.get('Partner_Center_Accept_By__c')).toMatchObject({ type: 'Date' });
    expect(fields.get('Partner_Center_Act_By__c')).toMatchObject({ type: 'Date' });
    // Unrestricted, so a value Microsoft adds later (a new solution area) can be stored and shown.
    expect(fields.get('Solution_Area__c')?.valueSet?.restricted).toBe('false');
    expect(values('Solution_Area__c')).toEqual(defaultTaxonomy.solutionAreas.map((area) => area.label));
    expect(values('Customer_Marketplace_Intent__c')).toEqual(['Yes', 'No', 'Have not decided']);

    const solution = (await read(`objects/${n.solutionObject}.object`)).CustomObject;
    expect(solution.sharingModel).toBe('ControlledByParent');
    const solutionFields = new Map<string, Field>(solution.fields.map((f: Field) => [f.fullName, f]));
    expect(solutionFields.get(n.solutionOpportunity)).toMatchObject({
      type: 'MasterDetail',
      referenceTo: 'Opportunity',
    });
    expect(solutionFields.get(n.solutionId)).toMatchObject({ type: 'Text', length: '100' });
    expect(solutionFields.get(n.solutionName)).toMatchObject({ type: 'Text', length: '255' });
    expect(solutionFields.get(n.solutionPublisher)).toMatchObject({ type: 'Text', length: '255' });
  });

  it('grants read and edit on every field except the master-detail one, and access to both objects', async () => {
    const { read } = await unzip();
    const set = (await read('permissionsets/Cosell_Connector_Integration.permissionset')).PermissionSet;
    const granted = set.fieldPermissions.map((p: { field: string; readable: string; editable: string }) => {
      expect(p).toMatchObject({ readable: 'true', editable: 'true' });
      return p.field;
    });
    expect(granted.sort()).toEqual(
      [
        ...opportunityCustomFields(n).map((f) => `Opportunity.${f}`),
        ...solutionCustomFields(n)
          .filter((f) => f !== n.solutionOpportunity)
          .map((f) => `${n.solutionObject}.${f}`),
        `Lead.${n.leadReferralId}`,
      ].sort(),
    );
    expect(set.objectPermissions.map((p: { object: string }) => p.object).sort()).toEqual([
      n.solutionObject,
      'Opportunity',
    ]);
  });

  it('puts a Microsoft Partner Center section and the Microsoft Solutions related list on the layout', async () => {
    const { read } = await unzip();
    const layout = (await read('layouts/Opportunity-Microsoft Partner Center Layout.layout')).Layout;
    const section = layout.layoutSections.find(
      (s: { label: string }) => s.label === 'Microsoft Partner Center',
    );
    const items = section.layoutColumns.flatMap((c: { layoutItems: Array<{ field: string }> }) =>
      c.layoutItems.map((i) => i.field),
    );
    expect(items).toContain(n.syncWithPartnerCenter);
    expect(items).toContain(n.howCanMicrosoftHelp);
    expect(layout.relatedLists.map((r: { relatedList: string }) => r.relatedList)).toContain(
      `${n.solutionObject}.${n.solutionOpportunity}`,
    );
  });

  it('fills the taxonomy picklists from the taxonomy given, so a new list deploys without a release', async () => {
    const taxonomy = {
      ...defaultTaxonomy,
      version: 'FY27',
      solutionAreas: [
        { value: 'Frontier', label: 'Frontier firm', solutionPlays: [{ value: 'Agents', label: 'Agents' }] },
      ],
    };
    const pkg = await buildMetadataPackage(undefined, { taxonomy });
    const zip = await JSZip.loadAsync(pkg.zip);
    const opportunity = parser.parse(
      await zip.file('objects/Opportunity.object')!.async('string'),
    ).CustomObject;
    const fields = new Map<string, Field>(opportunity.fields.map((f: Field) => [f.fullName, f]));
    const values = (name: string) =>
      fields.get(name)?.valueSet?.valueSetDefinition.value.map((v) => v.fullName);
    expect(values('Solution_Area__c')).toEqual(['Frontier firm']);
    expect(values('Solution_Play__c')).toEqual(['Agents']);
    expect(values('Partner_Role__c')).toEqual(defaultTaxonomy.partnerRoles.map((role) => role.label));
  });

  it('ships field files whose picklist values match the shipped taxonomy (for sf project deploy)', async () => {
    const dir = new URL(
      '../../salesforce-package/force-app/main/default/objects/Opportunity/fields/',
      import.meta.url,
    );
    for (const [key, expected] of Object.entries(taxonomyPicklistValues(defaultTaxonomy))) {
      const field = key.split('.')[1];
      const xml = parser.parse(await readFile(new URL(`${field}.field-meta.xml`, dir), 'utf8'))
        .CustomField as Field;
      expect({ field, values: xml.valueSet?.valueSetDefinition.value.map((v) => v.fullName) }).toEqual({
        field,
        values: expected,
      });
    }
  });

  it('explains where it looked when the source folder is empty', async () => {
    await expect(buildMetadataPackage('/nonexistent/cosell')).rejects.toThrow(
      /No Salesforce metadata found in \/nonexistent\/cosell/,
    );
  });
});
