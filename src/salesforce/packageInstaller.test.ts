import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejectionOf } from '../../test/support/rejectionOf.ts';
import { type SalesforceTestOrg, startSalesforceTestOrg } from '../../test/support/salesforceTestOrg.ts';
import { checkPrerequisites, formatPrerequisites } from './checkPrerequisites.ts';
import { formatInstallProgress, formatInstallResult } from './formatInstallResult.ts';
import { type InstallProgress, installSalesforcePackage } from './packageInstaller.ts';
import { SalesforceClient } from './salesforceClient.ts';
import { defaultSalesforceFieldNames as n, opportunityCustomFields } from './salesforceFieldNames.ts';

const fieldNamesOf = async (conn: Connection, sobject: string) =>
  (await new SalesforceClient(conn).describe(sobject)).fields.map((f) => f.name);

describe('installSalesforcePackage against the emulator', () => {
  let org: SalesforceTestOrg;
  let admin: Connection;
  let integration: Connection;
  let brokenDir: string;

  beforeAll(async () => {
    org = await startSalesforceTestOrg();
    admin = await org.connectAsAdmin();
    integration = await org.connectAsIntegration();
    brokenDir = await mkdtemp(join(tmpdir(), 'cosell-sfdx-broken-'));
    await mkdir(join(brokenDir, 'objects', 'Opportunity', 'fields'), { recursive: true });
    await writeFile(
      join(brokenDir, 'objects', 'Opportunity', 'fields', 'Broken__c.field-meta.xml'),
      `<?xml version="1.0" encoding="UTF-8"?>
<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
    <fullName>Broken__c</fullName>
    <label>Broken</label>
    <type>NoSuchFieldType</type>
</CustomField>`,
    );
  });
  afterAll(async () => {
    await org?.close();
    if (brokenDir) await rm(brokenDir, { recursive: true, force: true });
  });

  it('before install: the fields are unknown and the error says to install', async () => {
    const error = await rejectionOf(
      new SalesforceClient(integration).queryAll(`SELECT Id, ${n.referralId} FROM Opportunity`),
    );
    expect(error.code).toBe('INVALID_FIELD');
    expect(error.kind).toBe('permanent');
    expect(error.message).toContain('cosell salesforce install');

    const checks = await checkPrerequisites(integration);
    const fields = checks.find((c) => c.check === 'Opportunity: fields present and readable');
    expect(fields).toMatchObject({ ok: false, severity: 'error' });
    expect(fields?.fix).toContain('cosell salesforce install');
    expect(checks.find((c) => c.check === 'API access')?.ok).toBe(true);
  });

  it('check-only validates without deploying anything', async () => {
    const progress: InstallProgress[] = [];
    const result = await installSalesforcePackage({
      conn: admin,
      checkOnly: true,
      pollIntervalMs: 50,
      onProgress: (p) => progress.push(p),
    });
    expect(result).toMatchObject({
      ok: true,
      value: { checkOnly: true, permissionSet: 'skipped_check_only' },
    });
    expect(progress.at(-1)?.status).toBe('Succeeded');
    expect(formatInstallResult(result)).toContain('nothing was changed');
    const fields = await fieldNamesOf(admin, 'Opportunity');
    expect(fields).not.toContain(n.referralId);
  });

  it('deploys the fields, assigns the permission set, and the integration user can read and write them', async () => {
    const progress: InstallProgress[] = [];
    const result = await installSalesforcePackage({
      conn: admin,
      pollIntervalMs: 50,
      integrationUsername: org.emulator.users.integration.username,
      onProgress: (p) => progress.push(p),
    });
    if (!result.ok) throw new Error(formatInstallResult(result));
    expect(result.value.permissionSet).toBe('assigned');
    expect(result.value.integrationUserId).toBe(integration.userInfo?.id);
    const done = progress.find((p) => p.status === 'Succeeded');
    expect(done?.deployed).toBe(done?.total);
    expect(done?.total).toBe(25);
    expect(formatInstallProgress(done as InstallProgress)).toBe('Succeeded: 25/25 components');

    const fields = await fieldNamesOf(integration, 'Opportunity');
    for (const field of opportunityCustomFields(n)) expect(fields).toContain(field);

    const client = new SalesforceClient(integration);
    const id = await client.create('Opportunity', {
      Name: 'After install',
      StageName: 'Prospecting',
      CloseDate: '2026-12-31',
      [n.syncWithPartnerCenter]: true,
      [n.howCanMicrosoftHelp]: 'Proof of concept or demo',
      [n.referralId]: 'ref-installed',
    });
    await client.create(n.solutionObject, {
      [n.solutionOpportunity]: id,
      [n.solutionId]: 'sol-1',
      [n.solutionName]: 'Azure',
    });
    const rows = await client.queryAll<Record<string, unknown>>(
      `SELECT ${n.syncWithPartnerCenter}, ${n.howCanMicrosoftHelp}, ${n.referralId} FROM Opportunity WHERE Id = '${id}'`,
    );
    expect(rows[0]).toMatchObject({
      [n.syncWithPartnerCenter]: true,
      [n.howCanMicrosoftHelp]: 'Proof of concept or demo',
      [n.referralId]: 'ref-installed',
    });

    const checks = await checkPrerequisites(integration);
    expect(checks.filter((c) => c.severity === 'error' && !c.ok)).toEqual([]);
  });

  it('is safe to run again', async () => {
    const again = await installSalesforcePackage({
      conn: admin,
      pollIntervalMs: 50,
      integrationUsername: org.emulator.users.integration.username,
    });
    expect(again).toMatchObject({ ok: true, value: { permissionSet: 'already_assigned' } });
    const assignments = await new SalesforceClient(admin).queryAll(
      `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = '${integration.userInfo?.id}' AND PermissionSet.Name = 'Cosell_Connector_Integration'`,
    );
    expect(assignments).toHaveLength(1);
    expect((await fieldNamesOf(integration, 'Opportunity')).filter((f) => f === n.referralId)).toHaveLength(
      1,
    );
  });

  it('returns the component errors of a rejected deployment', async () => {
    const result = await installSalesforcePackage({ conn: admin, pollIntervalMs: 50, sourceDir: brokenDir });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('DEPLOY_FAILED');
    expect(result.error.componentFailures.map((f) => f.component).join(' ')).toContain('Broken__c');
    expect(formatInstallResult(result)).toMatch(/✖[\s\S]*Broken__c/);
  });

  it('reports Notes, Opportunity Teams and currency from the org settings', async () => {
    await org.control('/__emulator/org-settings', {
      notesEnabled: false,
      teamSelling: false,
      multiCurrency: true,
      currencies: ['USD', 'EUR'],
    });
    const conn = await org.connectAsIntegration();
    const checks = await checkPrerequisites(conn);
    const byName = new Map(checks.map((c) => [c.check, c]));
    expect(byName.get('Notes enabled')).toMatchObject({ ok: false, severity: 'error' });
    expect(byName.get('Opportunity Teams enabled')).toMatchObject({ ok: false, severity: 'warning' });
    expect(byName.get('Currency')?.detail).toContain('EUR');
    const text = formatPrerequisites(checks);
    expect(text).toContain('Fix: In Setup → Notes Settings');
    expect(text).toMatch(/^! Opportunity Teams enabled/m);
  });
});
