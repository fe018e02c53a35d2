/**
 * The Partner Center part of `cosell doctor`: the stored sign-in (who, MFA, when it needs renewing) and,
 * for each API, whether it accepts the sign-in it is called with — naming the role that is missing.
 */
import type { PartnerCenterClients } from '../../app.ts';
import { type CosellConfig, DEFAULT_URLS } from '../../config/configSchema.ts';
import { missingMfaMessage, WEBHOOKS_SCOPE } from '../../partner-center/partnerCenterAuth.ts';
import { MFA_REQUIRED_CODE } from '../../partner-center/partnerCenterError.ts';
import { renewalCheck, signInCheck } from '../../partner-center/signInHealth.ts';
import { toError, UpstreamError } from '../../shared/upstreamError.ts';
import { diagnoseSignInFailure } from '../diagnoseSignInFailure.ts';
import { type Endpoint, failureFix } from '../failureFix.ts';
import { REFERRALS_ROLES_TEXT, WEBHOOKS_ROLES_TEXT } from './connectPartnerCenter.ts';
import type { DoctorCheck } from './doctor.ts';

/** A check for one API from a probe call: what the refusal means and the fix for it. */
async function apiAccessCheck(
  check: string,
  probe: () => Promise<unknown>,
  roles: string,
  username: string,
  severity: DoctorCheck['severity'],
  roleFix: string,
  cause: CauseFinder,
  signInFix = 'run `cosell connect partner-center`',
): Promise<DoctorCheck> {
  try {
    await probe();
    return { check, ok: true, severity, detail: `${username} is accepted`, fix: null };
  } catch (error) {
    const upstream = error instanceof UpstreamError ? error : null;
    if (upstream?.code === MFA_REQUIRED_CODE) {
      return { check, ok: false, severity, detail: toError(error).message, fix: missingMfaMessage(username) };
    }
    if (upstream?.status === 403) {
      return {
        check,
        ok: false,
        severity,
        detail: `${username} lacks a role this API accepts: ${roles}`,
        fix: roleFix,
      };
    }
    return {
      check,
      ok: false,
      severity,
      detail: toError(error).message,
      fix: (await cause(error)) ?? signInFix,
    };
  }
}

/** The fix for a failure whose cause is a setting (URL, tenant, key, network), or null when it is not. */
type CauseFinder = (error: unknown) => Promise<string | null>;

/** Settings that can make a Partner Center call fail, each with the URL it gives and what it normally is. */
export function partnerCenterEndpoints(
  config: CosellConfig,
): Record<'authority' | 'referrals' | 'webhooks', Endpoint> {
  const { authorityUrl, referralsUrl, webhooksUrl } = config.partnerCenter;
  return {
    authority: {
      setting: 'partnerCenter.authorityUrl',
      url: authorityUrl,
      usual: DEFAULT_URLS.authority,
    },
    referrals: {
      setting: 'partnerCenter.referralsUrl',
      url: referralsUrl,
      usual: DEFAULT_URLS.referrals,
    },
    webhooks: {
      setting: 'partnerCenter.webhooksUrl',
      url: webhooksUrl,
      usual: DEFAULT_URLS.webhooks,
    },
  };
}

/**
 * Why a Partner Center call failed, when a setting is the cause: a sign-in failure is checked against the tenant
 * id, the authority and the app (diagnoseSignInFailure); an API failure against the API's URL.
 */
export function partnerCenterCause(
  config: CosellConfig,
  partnerCenter: PartnerCenterClients,
  api: Endpoint,
): CauseFinder {
  const endpoints = partnerCenterEndpoints(config);
  return async (error) => {
    const identity = error instanceof UpstreamError && error.upstream === 'identity';
    const fix = failureFix(error, identity ? endpoints.authority : api);
    if (fix || !identity) return fix;
    return diagnoseSignInFailure({ config, tokenCache: null, dispatcher: partnerCenter.dispatcher });
  };
}

/** Runs the checks; `webhooksUsable` says whether the webhook registration can be checked next. */
export async function partnerCenterChecks(
  config: CosellConfig,
  partnerCenter: PartnerCenterClients,
  now: Date,
): Promise<{ checks: DoctorCheck[]; webhooksUsable: boolean }> {
  const checks: DoctorCheck[] = [];
  const status = await partnerCenter.auth.signInStatus();
  checks.push(signInCheck('Partner Center sign-in', status, 'cosell connect partner-center'));
  if (!status) return { checks, webhooksUsable: false };
  checks.push(renewalCheck(status, now, 'cosell connect partner-center'));
  checks.push(
    await apiAccessCheck(
      'Referrals API access',
      async () => {
        for await (const _referral of partnerCenter.referrals.list({ top: 1 })) break;
      },
      REFERRALS_ROLES_TEXT,
      status.username,
      'error',
      `a Partner Center admin grants ${status.username} ${REFERRALS_ROLES_TEXT} (Account settings > User management), then run \`cosell connect partner-center\``,
      partnerCenterCause(config, partnerCenter, partnerCenterEndpoints(config).referrals),
    ),
  );

  const caller = partnerCenter.webhooksCaller;
  if (caller.kind === 'app') {
    // App-only: no user, no MFA (it applies to App+User calls); the app must be a web app known to Partner Center.
    const webhooks = await apiAccessCheck(
      'Webhooks API access',
      () => partnerCenter.webhooks.supportedEvents(),
      'a web app registered in Partner Center (Account settings > App management)',
      `app ${caller.clientId} (app-only)`,
      'warning',
      `register app ${caller.clientId} as a web app in Partner Center (Account settings > App management), or set partnerCenter.webhooksSignIn.kind: sameUser or separateUser`,
      partnerCenterCause(config, partnerCenter, partnerCenterEndpoints(config).webhooks),
      `check partnerCenter.webhooksSignIn.clientId and clientSecret: the secret may be wrong or expired (make a new one under Entra ID > App registrations > ${caller.clientId} > Certificates & secrets)`,
    );
    checks.push(webhooks);
    return { checks, webhooksUsable: webhooks.ok };
  }
  const separate = config.partnerCenter.webhooksSignIn.kind === 'separateUser';
  let webhooksUser = status.username;
  if (separate) {
    const webhooksStatus = await caller.auth.signInStatus(WEBHOOKS_SCOPE);
    const check = signInCheck(
      'Webhooks API sign-in',
      webhooksStatus,
      'cosell connect partner-center --webhooks',
    );
    // Webhooks are optional (the periodic reconcile catches every change), so this is a warning at most.
    checks.push({ ...check, severity: 'warning' });
    if (!webhooksStatus) return { checks, webhooksUsable: false };
    webhooksUser = webhooksStatus.username;
  }
  const webhooks = await apiAccessCheck(
    'Webhooks API access',
    () => partnerCenter.webhooks.supportedEvents(),
    WEBHOOKS_ROLES_TEXT,
    webhooksUser,
    'warning',
    separate
      ? `a Partner Center admin grants ${webhooksUser} one of ${WEBHOOKS_ROLES_TEXT}, then run \`cosell connect partner-center --webhooks\``
      : `a Partner Center admin grants ${webhooksUser} one of ${WEBHOOKS_ROLES_TEXT}; or sign in a second user for webhooks: set partnerCenter.webhooksSignIn.kind: separateUser and run \`cosell connect partner-center --webhooks\``,
    partnerCenterCause(config, partnerCenter, partnerCenterEndpoints(config).webhooks),
  );
  checks.push(webhooks);
  return { checks, webhooksUsable: webhooks.ok };
}
