import { setTimeout as delay } from 'node:timers/promises';
import type { Connection } from 'jsforce';
import type { ReferralTaxonomy } from '../domain/referralTaxonomy.ts';
import type { DomainError, Result } from '../shared/result.ts';
import { UpstreamError } from '../shared/upstreamError.ts';
import { buildMetadataPackage, DEFAULT_PACKAGE_SOURCE_DIR } from './metadataPackageZip.ts';
import { SalesforceClient } from './salesforceClient.ts';
import { soqlString } from './soqlLiteral.ts';

export const INTEGRATION_PERMISSION_SET = 'Cosell_Connector_Integration';

export interface InstallProgress {
  /** Deploy status as Salesforce reports it (Pending, InProgress, Succeeded, Failed, …), or an installer step. */
  status: string;
  deployed: number;
  total: number;
}

export interface InstallSalesforcePackageOptions {
  conn: Connection;
  /** Validate the deployment without changing the org (nothing is saved, no permission set assigned). */
  checkOnly?: boolean;
  onProgress?: (progress: InstallProgress) => void;
  /** User to receive the permission set; default: the user the connection signed in as. */
  integrationUsername?: string;
  /** SFDX source folder; default: salesforce-package/force-app/main/default. */
  sourceDir?: string;
  /** Co-sell taxonomy for the Services co-sell and marketplace-intent picklists; default: the shipped FY26 list. */
  taxonomy?: ReferralTaxonomy;
  pollIntervalMs?: number;
  /** Give up waiting for the deploy after this long (it may still finish in Salesforce). */
  timeoutMs?: number;
}

export type PermissionSetOutcome = 'assigned' | 'already_assigned' | 'skipped_check_only';

export interface InstallSummary {
  checkOnly: boolean;
  deployId: string;
  status: string;
  componentsDeployed: number;
  componentsTotal: number;
  permissionSet: PermissionSetOutcome;
  /** Who got the permission set (unset in check-only mode). */
  integrationUserId?: string;
}

export interface ComponentFailure {
  component: string;
  type: string;
  problem: string;
}

export interface InstallFailure extends DomainError {
  code: 'DEPLOY_FAILED' | 'DEPLOY_TIMEOUT' | 'USER_NOT_FOUND' | 'PERMISSION_SET_MISSING';
  deployId?: string;
  componentFailures: ComponentFailure[];
}

const asArray = <T>(value: T | T[] | null | undefined): T[] =>
  value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Deploys salesforce-package/ through the Metadata API and gives the integration user the permission set.
 * Safe to re-run: deploying the same components again changes nothing, and an existing assignment is kept.
 * Upstream failures (sign-in, network, limits) are thrown as UpstreamError; a rejected deployment is returned.
 */
export async function installSalesforcePackage(
  options: InstallSalesforcePackageOptions,
): Promise<Result<InstallSummary, InstallFailure>> {
  const { conn } = options;
  const checkOnly = options.checkOnly ?? false;
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const progress = options.onProgress ?? (() => undefined);
  const client = new SalesforceClient(conn);

  const pkg = await buildMetadataPackage(
    options.sourceDir ?? DEFAULT_PACKAGE_SOURCE_DIR,
    options.taxonomy ? { taxonomy: options.taxonomy } : {},
  );
  progress({ status: 'Uploading', deployed: 0, total: pkg.componentCount });
  conn.metadata.pollTimeout = timeoutMs;
  conn.metadata.pollInterval = pollIntervalMs;
  const started = await client.call('Starting the Salesforce metadata deployment', (c) =>
    c.metadata.deploy(pkg.zip, { singlePackage: true, rollbackOnError: true, checkOnly }),
  );
  const deployId = started.id;
  const startedAtMs = Date.now();
  for (;;) {
    const result = await client.call(`Checking Salesforce deployment ${deployId}`, (c) =>
      c.metadata.checkDeployStatus(deployId, true),
    );
    const total = Number(result.numberComponentsTotal) || pkg.componentCount;
    const deployed = Number(result.numberComponentsDeployed) || 0;
    progress({ status: result.status || (result.done ? 'Done' : 'Pending'), deployed, total });
    if (result.done) {
      if (!result.success || result.status === 'Failed' || result.status === 'Canceled') {
        const componentFailures = asArray(result.details?.componentFailures).map((failure) => ({
          component: failure.fullName,
          type: failure.componentType ?? '',
          problem: failure.problem ?? 'no reason given',
        }));
        return {
          ok: false,
          error: {
            code: 'DEPLOY_FAILED',
            deployId,
            componentFailures,
            message: `Salesforce rejected the ${checkOnly ? 'validation' : 'deployment'} of the Partner Center fields (${componentFailures.length || 'no'} component errors${result.errorMessage ? `: ${result.errorMessage}` : ''}). Fix the problems listed, then run \`cosell salesforce install\` again.`,
          },
        };
      }
      const summary: InstallSummary = {
        checkOnly,
        deployId,
        status: result.status,
        componentsDeployed: deployed,
        componentsTotal: total,
        permissionSet: 'skipped_check_only',
      };
      if (checkOnly) return { ok: true, value: summary };
      const assignment = await assignPermissionSet(client, options.integrationUsername);
      if (!assignment.ok) return { ok: false, error: { ...assignment.error, deployId } };
      progress({ status: `Permission set ${assignment.value.outcome.replace('_', ' ')}`, deployed, total });
      return {
        ok: true,
        value: {
          ...summary,
          permissionSet: assignment.value.outcome,
          integrationUserId: assignment.value.userId,
        },
      };
    }
    if (Date.now() - startedAtMs > timeoutMs) {
      return {
        ok: false,
        error: {
          code: 'DEPLOY_TIMEOUT',
          deployId,
          componentFailures: [],
          message: `The Salesforce deployment ${deployId} did not finish within ${Math.round(timeoutMs / 1000)} s. Check Setup → Deployment Status in Salesforce, then run \`cosell salesforce install\` again.`,
        },
      };
    }
    await delay(pollIntervalMs);
  }
}

async function assignPermissionSet(
  client: SalesforceClient,
  integrationUsername: string | undefined,
): Promise<Result<{ outcome: 'assigned' | 'already_assigned'; userId: string }, InstallFailure>> {
  let userId = client.conn.userInfo?.id ?? '';
  if (integrationUsername !== undefined) {
    const users = await client.queryAll<{ Id: string }>(
      `SELECT Id FROM User WHERE Username = ${soqlString(integrationUsername)} LIMIT 1`,
    );
    userId = users[0]?.Id ?? '';
    if (!userId) {
      return {
        ok: false,
        error: {
          code: 'USER_NOT_FOUND',
          componentFailures: [],
          message: `The fields were deployed, but there is no Salesforce user named ${integrationUsername} to give the ${INTEGRATION_PERMISSION_SET} permission set to. Check the integration username, then run \`cosell salesforce install\` again.`,
        },
      };
    }
  }
  const sets = await client.queryAll<{ Id: string }>(
    `SELECT Id FROM PermissionSet WHERE Name = ${soqlString(INTEGRATION_PERMISSION_SET)} LIMIT 1`,
  );
  const permissionSetId = sets[0]?.Id;
  if (!permissionSetId) {
    return {
      ok: false,
      error: {
        code: 'PERMISSION_SET_MISSING',
        componentFailures: [],
        message: `The deployment finished but the ${INTEGRATION_PERMISSION_SET} permission set is not in the org. Run \`cosell salesforce install\` again; if it persists, deploy salesforce-package/ with the Salesforce CLI.`,
      },
    };
  }
  const existing = await client.queryAll<{ Id: string }>(
    `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = ${soqlString(userId)} AND PermissionSetId = ${soqlString(permissionSetId)} LIMIT 1`,
  );
  if (existing.length > 0) return { ok: true, value: { outcome: 'already_assigned', userId } };
  try {
    await client.create('PermissionSetAssignment', { AssigneeId: userId, PermissionSetId: permissionSetId });
  } catch (error) {
    // Another install assigned it in the meantime: that is the state we want.
    if (error instanceof UpstreamError && error.code === 'DUPLICATE_VALUE') {
      return { ok: true, value: { outcome: 'already_assigned', userId } };
    }
    throw error;
  }
  return { ok: true, value: { outcome: 'assigned', userId } };
}
