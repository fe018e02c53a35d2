import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, runCosell, spawnEmulateWritingConfig, TEST_SECRET_KEY } from '../support/childProcess.ts';

type Check = { check: string; ok: boolean; severity: string; detail: string; fix: string | null };

async function control(baseUrl: string, path: string, body: unknown, method = 'POST'): Promise<void> {
  const response = await fetch(`${baseUrl}/__emulator/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
}

describe('cosell doctor and cosell mapping test against an org with realism switched on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cosell-realism-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names each mapping problem of the org with its fix, and each sign-in setup mistake', async () => {
    const file = join(dir, 'cosell.yaml');
    const env = childEnv({ COSELL_SECRET_KEY: TEST_SECRET_KEY });
    const emulate = spawnEmulateWritingConfig(file, env);
    try {
      const urls = JSON.parse(await emulate.waitForLine(/^\{/, 30_000)) as Record<string, string>;
      const salesforce = urls['salesforce'] as string;
      const config = ['--config', file];
      expect((await runCosell(['salesforce', 'install', ...config], { env })).code).toBe(0);
      expect((await runCosell(['connect', 'partner-center', ...config], { env })).code).toBe(0);
      const doctor = async () => {
        const run = await runCosell(['doctor', '--json', ...config], { env });
        return { code: run.code, checks: (JSON.parse(run.stdout) as { checks: Check[] }).checks };
      };

      const clean = await doctor();
      expect(clean.checks.find((check) => check.check === 'Mapping fits the Salesforce org')?.ok).toBe(true);
      expect(clean.code).toBe(0);
      const cleanTest = await runCosell(['mapping', 'test', ...config], { env });
      expect(cleanTest.stdout).toContain('Every field the mapping names fits the Salesforce org');
      expect(cleanTest.code).toBe(0);

      await control(salesforce, 'org-realism', {
        customFields: [{ fullName: 'Opportunity.Region__c', label: 'Region', type: 'Text', required: true }],
        recordTypes: [
          {
            object: 'Opportunity',
            developerName: 'Partner_Deal',
            label: 'Partner Deal',
            salesProcess: 'Partner Sales',
            stages: ['Prospecting', 'Closed Won', 'Closed Lost'],
            default: true,
          },
        ],
        fieldSecurity: [{ object: 'Opportunity', field: 'Amount', access: 'readOnly' }],
        duplicateRules: [
          { object: 'Account', name: 'Standard_Account_Duplicate_Rule', matchFields: ['Name'] },
        ],
      });
      const broken = await doctor();
      const failed = broken.checks.filter((check) => !check.ok && check.severity === 'error');
      expect(failed.map((check) => check.check)).toEqual([
        'Mapping fits the Salesforce org',
        'Mapping: Opportunity.Amount',
        'Mapping: Opportunity.StageName',
        'Mapping: Opportunity.Region__c',
      ]);
      expect(failed[1]?.fix).toContain('Edit access to Opportunity.Amount');
      expect(failed[2]?.detail).toContain('"Qualification"');
      expect(failed[2]?.detail).toContain('Partner Deal');
      expect(failed[3]?.detail).toContain('REQUIRED_FIELD_MISSING');
      expect(broken.checks.find((check) => check.check === 'Duplicate rules')?.detail).toContain(
        'Standard_Account_Duplicate_Rule (Account)',
      );
      expect(broken.code).toBe(1);

      const mappingTest = await runCosell(['mapping', 'test', ...config], { env });
      expect(mappingTest.stderr).toContain('3 problems against the Salesforce org');
      expect(mappingTest.stderr).toContain('Opportunity.Region__c is required');
      expect(mappingTest.code).toBe(1);
      expect((await runCosell(['mapping', 'test', '--offline', ...config], { env })).code).toBe(0);
      await control(salesforce, 'org-realism', {}, 'DELETE');

      await control(salesforce, 'connected-app', { jwtAccessTokens: true });
      const jwtTokens = await doctor();
      const tokenCheck = jwtTokens.checks.find((check) => check.check === 'Salesforce access token type');
      expect(tokenCheck).toMatchObject({ ok: false, severity: 'error' });
      expect(tokenCheck?.fix).toContain('Issue JSON Web Token (JWT)-based access tokens');
      expect(jwtTokens.code).toBe(1);

      await control(salesforce, 'connected-app', { jwtAccessTokens: false, preAuthorizedUsernames: [] });
      const notApproved = await doctor();
      const signIn = notApproved.checks.find((check) => check.check === 'Salesforce sign-in');
      expect(signIn?.ok).toBe(false);
      expect(signIn?.detail).toContain("user hasn't approved this consumer");
      expect(signIn?.fix).toContain('Admin approved users are pre-authorized');
      const offlineHint = await runCosell(['mapping', 'test', ...config], { env });
      expect(offlineHint.stderr).toContain('--offline');
      expect(offlineHint.code).toBe(1);
    } finally {
      await emulate.stop('SIGINT');
    }
    // Several CLI processes in a row (each a Node start-up and a sign-in): minutes on a loaded 2-core machine.
  }, 180_000);
});
