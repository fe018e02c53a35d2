/**
 * Who may use the dashboard once Microsoft has vouched for them: an account of the configured tenant (`tid`),
 * listed by name in allowedUsers or a member of allowedGroupId (the `groups` claim). Each refusal says what
 * happened and what the person (or the connector's admin) can do about it.
 */
import type { IdTokenClaims } from './idTokenVerifier.ts';

export interface SignInRules {
  tenantId: string;
  allowedUsers: readonly string[];
  allowedGroupId?: string | undefined;
}

export interface DashboardUser {
  username: string;
  name: string | null;
  oid: string | null;
}

export type SignInRefusalCode = 'other_tenant' | 'not_allowed';

export interface SignInRefusal {
  code: SignInRefusalCode;
  title: string;
  message: string;
  fix: string;
}

export type SignInDecision = { ok: true; user: DashboardUser } | { ok: false; refusal: SignInRefusal };

/** Whether a token's tenant (`tid`) is the configured one. */
export function isConfiguredTenant(tokenTenantId: string | null, rules: SignInRules): boolean {
  return (tokenTenantId ?? '').toLowerCase() === rules.tenantId.toLowerCase();
}

export function otherTenantRefusal(
  username: string,
  tokenTenantId: string | null,
  rules: SignInRules,
): SignInRefusal {
  return {
    code: 'other_tenant',
    title: 'This account belongs to another organization',
    message: `${username} signed in with an account of tenant ${tokenTenantId ?? '(none)'}; this dashboard accepts accounts of tenant ${rules.tenantId} only.`,
    fix: 'Sign in with your account of that organization (choose "Use another account"). If the dashboard should accept this tenant, its admin changes dashboard.signIn.tenantId.',
  };
}

export function decideSignIn(claims: IdTokenClaims, rules: SignInRules): SignInDecision {
  const username = claims.username ?? claims.oid ?? claims.sub;
  if (!isConfiguredTenant(claims.tid, rules))
    return { ok: false, refusal: otherTenantRefusal(username, claims.tid, rules) };
  const listed = rules.allowedUsers.some((allowed) => allowed.toLowerCase() === username.toLowerCase());
  const inGroup = rules.allowedGroupId !== undefined && claims.groups.includes(rules.allowedGroupId);
  if (!listed && !inGroup) {
    const who = rules.allowedGroupId
      ? 'add the account to dashboard.signIn.allowedUsers, or to the Entra group dashboard.signIn.allowedGroupId'
      : 'add the account to dashboard.signIn.allowedUsers';
    return {
      ok: false,
      refusal: {
        code: 'not_allowed',
        title: 'This account may not use the dashboard',
        message: `${username} signed in, but is not one of the people allowed to use this connector's dashboard.`,
        fix: `Ask the connector's admin to ${who}, then sign in again. Or sign in with another account.`,
      },
    };
  }
  return { ok: true, user: { username, name: claims.name, oid: claims.oid } };
}
