import type { Connection, DescribeSObjectResult } from 'jsforce';
import { UpstreamError } from '../shared/upstreamError.ts';
import { INTEGRATION_PERMISSION_SET } from './packageInstaller.ts';
import { SalesforceClient } from './salesforceClient.ts';
import {
  defaultSalesforceFieldNames,
  opportunityCustomFields,
  type SalesforceFieldNames,
  solutionCustomFields,
} from './salesforceFieldNames.ts';

export type PrerequisiteSeverity = 'error' | 'warning' | 'info';

export interface PrerequisiteCheck {
  check: string;
  ok: boolean;
  /** error: sync cannot work; warning: a feature is skipped; info: what will be used. */
  severity: PrerequisiteSeverity;
  detail: string;
  /** What to do when not ok; null when nothing needs doing. */
  fix: string | null;
}

const INSTALL_FIX = `Run \`cosell salesforce install\` (it deploys the fields and assigns the ${INTEGRATION_PERMISSION_SET} permission set).`;

/** Upstream failures that mean "this check failed" rather than "could not check now". */
function isRefusal(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError && (error.kind === 'auth' || error.kind === 'permanent');
}

async function describeOrNull(
  client: SalesforceClient,
  sobject: string,
): Promise<DescribeSObjectResult | null> {
  try {
    return await client.describe(sobject);
  } catch (error) {
    if (isRefusal(error)) return null;
    throw error;
  }
}

function fieldChecks(
  label: string,
  describe: DescribeSObjectResult | null,
  objectName: string,
  required: readonly string[],
  mustBeEditable: readonly string[],
): PrerequisiteCheck[] {
  if (!describe) {
    return [
      {
        check: `${label}: object ${objectName}`,
        ok: false,
        severity: 'error',
        detail: `${objectName} does not exist or the integration user cannot see it.`,
        fix: INSTALL_FIX,
      },
    ];
  }
  const byName = new Map(describe.fields.map((field) => [field.name, field]));
  const missing = required.filter((name) => !byName.has(name));
  const readOnly = mustBeEditable.filter((name) => byName.has(name) && byName.get(name)?.updateable !== true);
  return [
    {
      check: `${label}: fields present and readable`,
      ok: missing.length === 0,
      severity: 'error',
      detail:
        missing.length === 0
          ? `All ${required.length} fields are visible to the integration user.`
          : `Missing or not visible to the integration user: ${missing.join(', ')}.`,
      fix: missing.length === 0 ? null : INSTALL_FIX,
    },
    {
      check: `${label}: fields editable`,
      ok: readOnly.length === 0,
      severity: 'error',
      detail:
        readOnly.length === 0
          ? 'The integration user can write every field the connector updates.'
          : `Read-only for the integration user: ${readOnly.join(', ')}.`,
      fix: readOnly.length === 0 ? null : INSTALL_FIX,
    },
  ];
}

/**
 * What Microsoft's co-sell connector asks of a Salesforce org, checked against the live org:
 * API access, Notes, Opportunity Teams, currency mode, and the Partner Center fields.
 * Checks that cannot run now (network, limits) throw; everything else is reported.
 */
export async function checkPrerequisites(
  conn: Connection,
  options: { fieldNames?: SalesforceFieldNames } = {},
): Promise<PrerequisiteCheck[]> {
  const names = options.fieldNames ?? defaultSalesforceFieldNames;
  const client = new SalesforceClient(conn);
  const checks: PrerequisiteCheck[] = [];

  let objectNames: Set<string>;
  try {
    const global = await client.call('Listing Salesforce objects', (c) => c.describeGlobal());
    objectNames = new Set(global.sobjects.map((sobject) => sobject.name));
    checks.push({
      check: 'API access',
      ok: true,
      severity: 'error',
      detail: 'The integration user can use the REST API.',
      fix: null,
    });
  } catch (error) {
    if (!isRefusal(error)) throw error;
    checks.push({
      check: 'API access',
      ok: false,
      severity: 'error',
      detail: error.message,
      fix: 'Give the integration user a profile or permission set with "API Enabled" (the org edition must include API access), then run `cosell connect salesforce`.',
    });
    return checks;
  }

  checks.push(
    objectNames.has('ContentNote')
      ? {
          check: 'Notes enabled',
          ok: true,
          severity: 'error',
          detail:
            'Notes are available: the connector can show notes (Microsoft’s invitation notes, and deal notes when notes.target is contentNote) as Notes on opportunities.',
          fix: null,
        }
      : {
          check: 'Notes enabled',
          ok: false,
          severity: 'error',
          detail: 'Notes are turned off, so referral notes cannot be written to opportunities.',
          fix: 'In Setup → Notes Settings, enable Notes, then add the Notes related list to the Opportunity page layout.',
        },
  );
  checks.push(
    objectNames.has('OpportunityTeamMember')
      ? {
          check: 'Opportunity Teams enabled',
          ok: true,
          severity: 'warning',
          detail: 'The referral team will be synced to the opportunity team.',
          fix: null,
        }
      : {
          check: 'Opportunity Teams enabled',
          ok: false,
          severity: 'warning',
          detail: 'Team Selling is off: the referral team will not be synced (everything else will).',
          fix: 'In Setup → Opportunity Team Settings, enable Team Selling if you want the team synced.',
        },
  );

  const opportunity = await describeOrNull(client, 'Opportunity');
  const currencyField = opportunity?.fields.find((field) => field.name === 'CurrencyIsoCode');
  checks.push({
    check: 'Currency',
    ok: true,
    severity: 'info',
    detail: currencyField
      ? `Multi-currency is on: the deal currency is read from and written to CurrencyIsoCode (${(currencyField.picklistValues ?? []).map((value) => value.value).join(', ') || 'no active currencies listed'}).`
      : "Single currency: deal values use the org's currency, and Partner Center currencies that differ are reported, not converted.",
    fix: null,
  });

  const opportunityFields = opportunityCustomFields(names);
  checks.push(
    ...fieldChecks('Opportunity', opportunity, 'Opportunity', opportunityFields, opportunityFields),
  );
  const solution = await describeOrNull(client, names.solutionObject);
  const solutionFields = solutionCustomFields(names);
  checks.push(
    ...fieldChecks(
      'Microsoft Solution',
      solution,
      names.solutionObject,
      solutionFields,
      solutionFields.filter((name) => name !== names.solutionOpportunity),
    ),
  );
  return checks;
}

const MARK: Record<PrerequisiteSeverity, string> = { error: '✖', warning: '!', info: 'i' };

/** Human-readable lines, one per check, with the fix under each failed one. */
export function formatPrerequisites(checks: readonly PrerequisiteCheck[]): string {
  return checks
    .map((check) => {
      const mark = check.ok ? (check.severity === 'info' ? 'i' : '✔') : MARK[check.severity];
      const line = `${mark} ${check.check}: ${check.detail}`;
      return check.ok || !check.fix ? line : `${line}\n    Fix: ${check.fix}`;
    })
    .join('\n');
}
