/**
 * The Partner Center part of `cosell doctor`: the stored sign-in (who, MFA, when it needs renewing) and,
 * for each API, whether it accepts the sign-in it is called with — naming the role that is missing.
 */
import type { PartnerCenterClients } from '../../app.ts';
import type { CosellConfig } from '../../config/configSchema.ts';
import {
  missingMfaMessage,
  REFRESH_TOKEN_INACTIVITY_DAYS,
  type SignInStatus,
  WEBHOOKS_SCOPE,
} from '../../partner-center/partnerCenterAuth.ts';
import { MFA_REQUIRED_CODE } from '../../partner-center/partnerCenterError.ts';
import { toError, UpstreamError } from '../../shared/upstreamError.ts';
import { REFERRALS_ROLES_TEXT, WEBHOOKS_ROLES_TEXT } from './connectPartnerCenter.ts';
import type { DoctorCheck } from './doctor.ts';

/** Warn when a refresh token left unused would lapse within this many days. */
const RENEWAL_WARNING_DAYS = 14;

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function mfaText(status: SignInStatus): string {
  if (status.mfa === null) return 'MFA unknown (the tokens carry no amr claim)';
  return status.mfa ? 'with MFA' : `without MFA (amr: ${status.authMethods.join(', ') || 'none'})`;
}

function signInCheck(check: string, status: SignInStatus | null, connectCommand: string): DoctorCheck {
  if (!status) {
    return {
      check,
      ok: false,
      severity: 'error',
      detail: 'nobody is signed in',
      fix: `run \`${connectCommand}\``,
    };
  }
  return {
    check,
    ok: status.mfa !== false,
    severity: status.mfa === null ? 'warning' : 'error',
    detail: `${status.username} (tenant ${status.tenantId}), ${mfaText(status)}`,
    fix: status.mfa === false ? missingMfaMessage(status.username) : null,
  };
}

function renewalCheck(status: SignInStatus, now: Date, connectCommand: string): DoctorCheck {
  if (!status.needsSignInBy || !status.lastRenewedAt) {
    return {
      check: 'Partner Center sign-in renewal',
      ok: false,
      severity: 'warning',
      detail: 'no token has been issued to this sign-in yet',
      fix: `run \`${connectCommand}\` again`,
    };
  }
  const daysLeft = Math.floor((status.needsSignInBy.getTime() - now.getTime()) / 86_400_000);
  return {
    check: 'Partner Center sign-in renewal',
    ok: daysLeft > RENEWAL_WARNING_DAYS,
    severity: 'warning',
    detail:
      `refresh token last renewed ${status.lastRenewedAt.toISOString()}; each sync renews it, but left unused it ` +
      `lapses on ${day(status.needsSignInBy)} (${daysLeft} days, Entra's ${REFRESH_TOKEN_INACTIVITY_DAYS}-day ` +
      'inactivity limit; a Conditional Access sign-in frequency policy can end it sooner)',
    fix: daysLeft > RENEWAL_WARNING_DAYS ? null : `keep the connector running, or run \`${connectCommand}\``,
  };
}

/** A check for one API from a probe call: what the refusal means and the fix for it. */
async function apiAccessCheck(
  check: string,
  probe: () => Promise<unknown>,
  roles: string,
  username: string,
  severity: DoctorCheck['severity'],
  roleFix: string,
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
      fix: signInFix,
    };
  }
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
  );
  checks.push(webhooks);
  return { checks, webhooksUsable: webhooks.ok };
}
