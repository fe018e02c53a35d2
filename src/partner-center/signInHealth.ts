/**
 * The health of a Partner Center sign-in as checks: who is signed in, with or without MFA, and when the stored
 * refresh token lapses if left unused. `cosell doctor` and the dashboard's Overview show the same checks.
 */
import type { HealthCheck } from '../shared/healthCheck.ts';
import { missingMfaMessage, REFRESH_TOKEN_INACTIVITY_DAYS, type SignInStatus } from './partnerCenterAuth.ts';

/** Warn when a refresh token left unused would lapse within this many days. */
const RENEWAL_WARNING_DAYS = 14;

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function mfaText(status: SignInStatus): string {
  if (status.mfa === null) return 'MFA unknown (the tokens carry no amr claim)';
  return status.mfa ? 'with MFA' : `without MFA (amr: ${status.authMethods.join(', ') || 'none'})`;
}

export function signInCheck(check: string, status: SignInStatus | null, connectCommand: string): HealthCheck {
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

export function renewalCheck(status: SignInStatus, now: Date, connectCommand: string): HealthCheck {
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
