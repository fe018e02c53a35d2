import type { Command } from 'commander';
import {
  connectionWebhookPath,
  loadMapping,
  openConnectorStore,
  openPartnerCenter,
  openVault,
  salesforceAuthFrom,
} from '../../app.ts';
import { DEFAULT_SQLITE_PATH, DEFAULT_URLS } from '../../config/configSchema.ts';
import { selectConnection } from '../../config/connectionConfig.ts';
import { checkConfig } from '../../config/loadConfig.ts';
import type { Mapping } from '../../domain/mapping/mappingSchema.ts';
import { expectedWebhookUrl } from '../../http/routes/postPartnerCenterWebhook.ts';
import { assessWebhookRegistration } from '../../partner-center/webhookRegistrationPlan.ts';
import { checkPrerequisites } from '../../salesforce/checkPrerequisites.ts';
import { openSalesforceConnection } from '../../salesforce/salesforceConnection.ts';
import {
  isJwtBasedAccessToken,
  JWT_ACCESS_TOKEN_FIX,
  salesforceSignInFix,
} from '../../salesforce/salesforceSignInAdvice.ts';
import type { HealthCheck } from '../../shared/healthCheck.ts';
import { createLogger } from '../../shared/logger.ts';
import { toError } from '../../shared/upstreamError.ts';
import { SECRET_KEY_ENV, SecretBox } from '../../store/secretBox.ts';
import { salesforceFieldNamesFrom } from '../../sync/salesforceFieldNamesFrom.ts';
import type { CliIo } from '../cliIo.ts';
import { type CommonOptions, withCommonOptions } from '../commonOptions.ts';
import { EXIT } from '../exitCodes.ts';
import { type Endpoint, failureFix, salesforceFailureFix } from '../failureFix.ts';
import { checkMappingInOrg } from '../mappingOrgCheck.ts';
import { dashboardSignInCheck } from './dashboardSignInCheck.ts';
import { partnerCenterCause, partnerCenterChecks, partnerCenterEndpoints } from './partnerCenterChecks.ts';

export type DoctorCheck = HealthCheck;

/** Pre-flight: config, mapping, encryption key, store, Partner Center sign-in and webhook, Salesforce org. */
export async function runDoctor(io: CliIo, options: CommonOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck) => checks.push(check);
  const failed = (check: string, error: unknown, fix: string) =>
    add({ check, ok: false, severity: 'error', detail: toError(error).message, fix });

  const configCheck = checkConfig({ file: options.config, env: io.env, cwd: io.cwd });
  if (!configCheck.config) {
    add({
      check: 'Configuration',
      ok: false,
      severity: 'error',
      detail: `${configCheck.problems.length} problem(s)`,
      fix: 'run `cosell config check` and fix what it lists',
    });
    return checks;
  }
  // Doctor checks one connection's sign-ins and org: the one --connection names (or the only one).
  const { config } = selectConnection(configCheck.config, options.connection);
  add({
    check: 'Configuration',
    ok: true,
    severity: 'error',
    detail: `${configCheck.fileName ?? 'defaults'} (connection ${config.connectionId})`,
    fix: null,
  });
  let mapping: Mapping | null = null;
  try {
    mapping = loadMapping(config);
    add({
      check: 'Mapping',
      ok: true,
      severity: 'error',
      detail: config.sync.mappingFile ?? 'built-in defaults',
      fix: null,
    });
  } catch (error) {
    failed('Mapping', error, 'run `cosell mapping test` and fix the lines it names');
  }
  try {
    SecretBox.fromEnv(io.env);
    add({
      check: 'Encryption key',
      ok: true,
      severity: 'error',
      detail: `${SECRET_KEY_ENV} is set`,
      fix: null,
    });
  } catch (error) {
    failed('Encryption key', error, `export ${SECRET_KEY_ENV}=$(openssl rand -base64 32) and keep it safe`);
  }
  const dashboardSignIn = await dashboardSignInCheck(config);
  if (dashboardSignIn) add(dashboardSignIn);
  const logger = createLogger({ level: 'silent', pretty: false, destination: process.stderr });
  let store: Awaited<ReturnType<typeof openConnectorStore>> | null = null;
  try {
    store = await openConnectorStore(config);
    add({
      check: 'Store',
      ok: true,
      severity: 'error',
      detail: config.store.kind === 'sqlite' ? config.store.path : 'postgres',
      fix: null,
    });
  } catch (error) {
    const storeEndpoint: Endpoint =
      config.store.kind === 'postgres'
        ? // The host only: the URL may carry a password.
          {
            setting: 'store.url',
            url: hostOf(config.store.url),
            usual: 'postgres://user:password@host:5432/database',
          }
        : { setting: 'store.path', url: config.store.path, usual: DEFAULT_SQLITE_PATH };
    failed(
      'Store',
      error,
      failureFix(error, storeEndpoint) ?? 'check store.path (SQLite) or store.url (Postgres)',
    );
  }
  if (store) {
    const partnerCenter = openPartnerCenter(config, openVault(store, io.env), logger);
    const endpoints = partnerCenterEndpoints(config);
    try {
      const signIn = await partnerCenterChecks(config, partnerCenter, new Date());
      for (const check of signIn.checks) add(check);
      // Not usable: the Webhooks API does not accept the sign-in, and the check above says why.
      if (signIn.webhooksUsable) {
        try {
          const registration = await partnerCenter.webhooks.show();
          const assessment = assessWebhookRegistration(
            registration,
            expectedWebhookUrl(config.server.publicUrl, connectionWebhookPath(config)),
          );
          add({ check: 'Webhook registration', severity: 'warning', ...assessment });
        } catch (error) {
          const fix = await partnerCenterCause(config, partnerCenter, endpoints.webhooks)(error);
          add({
            check: 'Webhook registration',
            ok: false,
            severity: 'warning',
            detail: toError(error).message,
            fix: fix ?? 'run `cosell webhooks show` to see what Partner Center answers',
          });
        }
      }
    } catch (error) {
      // Reading the stored sign-in failed (key, store) or signing in did (tenant, authority, network).
      const fix = await partnerCenterCause(config, partnerCenter, endpoints.authority)(error);
      failed(
        'Partner Center sign-in',
        error,
        fix ?? 'run `cosell connect partner-center` as a Referrals admin',
      );
    } finally {
      await partnerCenter.close();
    }
    let conn: Awaited<ReturnType<typeof openSalesforceConnection>> | null = null;
    try {
      conn = await openSalesforceConnection({
        loginUrl: config.salesforce.loginUrl,
        auth: await salesforceAuthFrom(config, openVault(store, io.env)),
        logger,
      });
      add({
        check: 'Salesforce sign-in',
        ok: true,
        severity: 'error',
        detail: `${config.salesforce.auth.flow} at ${conn.instanceUrl}`,
        fix: null,
      });
      if (isJwtBasedAccessToken(conn.accessToken ?? undefined)) {
        add({
          check: 'Salesforce access token type',
          ok: false,
          severity: 'error',
          detail:
            'The app issues JWT-based access tokens: syncing works (REST), but `cosell salesforce install` fails (the Metadata API accepts only classic session tokens).',
          fix: JWT_ACCESS_TOKEN_FIX,
        });
      }
      // With an invalid mapping the fields to check are unknown; the Mapping check above already says so.
      const prerequisites = mapping
        ? await checkPrerequisites(conn, { fieldNames: salesforceFieldNamesFrom(mapping) })
        : [];
      for (const check of prerequisites) {
        add({
          check: check.check,
          ok: check.ok,
          severity: check.severity,
          detail: check.detail,
          fix: check.fix,
        });
        if (check.check === 'Opportunity Teams enabled' && !check.ok) {
          add({
            check: 'Partner team sync',
            ok: true,
            severity: 'info',
            detail:
              'Team Selling is off: the referral’s partner team is not mirrored as opportunity team members.',
            fix: null,
          });
        }
      }
    } catch (error) {
      if (conn) {
        const org: Endpoint = {
          setting: "the org's instance URL",
          url: conn.instanceUrl,
          usual: 'https://<your-domain>.my.salesforce.com',
        };
        failed(
          'Salesforce checks',
          error,
          salesforceFailureFix(error, org) ??
            'run `cosell doctor` again; if it persists, see docs/troubleshooting.md',
        );
      } else
        failed(
          'Salesforce sign-in',
          error,
          salesforceFailureFix(error, {
            setting: 'salesforce.loginUrl',
            url: config.salesforce.loginUrl,
            usual: `${DEFAULT_URLS.salesforceLogin}, https://test.salesforce.com (sandboxes) or your My Domain URL`,
          }) ?? salesforceSignInFix(config.salesforce.auth.flow, toError(error).message),
        );
    }
    if (conn && mapping) {
      try {
        const result = await checkMappingInOrg(conn, mapping);
        add({
          check: 'Mapping fits the Salesforce org',
          ok: result.problems.length === 0,
          severity: 'error',
          detail:
            result.problems.length === 0
              ? `every mapped field exists, fits and is writable where needed${result.recordType ? `; stages checked against record type ${result.recordType}` : ''}`
              : `${result.problems.length} problem(s), listed below`,
          fix: result.problems.length === 0 ? null : 'fix each problem below, then run `cosell mapping test`',
        });
        const rules = result.duplicateRules ?? [];
        if (rules.length > 0) {
          add({
            check: 'Duplicate rules',
            ok: true,
            severity: 'info',
            detail: `active on the objects the connector creates: ${rules.map((rule) => `${rule.name} (${rule.object})`).join(', ')}. A rule whose action blocks makes those deals fail with DUPLICATES_DETECTED (the deal shows the rule and the fix); set its action to Allow for the integration user if the connector should create the record anyway.`,
            fix: null,
          });
        }
        for (const problem of result.problems) {
          add({
            check: `Mapping: ${problem.field ? `${problem.object}.${problem.field}` : problem.object}`,
            ok: false,
            severity: 'error',
            detail: problem.message,
            fix: problem.fix,
          });
        }
      } catch (error) {
        failed('Mapping fits the Salesforce org', error, 'run `cosell doctor` again once Salesforce answers');
      }
    }
    await store.close();
  }
  return checks;
}

/** host:port of a URL, without the user and password it may carry. */
function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host : '(not a URL)';
}

const SEVERITY_ICON: Record<DoctorCheck['severity'], string> = { error: '✖', warning: '⚠', info: 'ℹ' };

export function registerDoctorCommand(program: Command, io: CliIo): void {
  withCommonOptions(
    program
      .command('doctor')
      .description(
        'pre-flight check of config, key, store, Partner Center and Salesforce, with a fix for each failure',
      ),
  ).action(async (options: CommonOptions) => {
    const checks = await runDoctor(io, options);
    if (options.json) io.out(JSON.stringify({ checks }));
    else {
      for (const check of checks) {
        const icon = check.ok ? '✔' : SEVERITY_ICON[check.severity];
        io.out(`${icon} ${check.check}: ${check.detail}`);
        if (!check.ok && check.fix) io.out(`    → ${check.fix}`);
      }
    }
    io.setExitCode(checks.some((check) => !check.ok && check.severity === 'error') ? EXIT.failure : EXIT.ok);
  });
}
