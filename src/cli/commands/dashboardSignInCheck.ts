/**
 * `cosell doctor`'s check of the dashboard's "Sign in with Microsoft": can the tenant's OpenID configuration be
 * read at the authority (a wrong tenant id, authority URL or network shows here, before anyone tries to sign in)?
 */
import { dispatcherTrusting } from '../../app.ts';
import type { CosellConfig } from '../../config/configSchema.ts';
import { OpenIdProvider } from '../../http/auth/openIdProvider.ts';
import { toError } from '../../shared/upstreamError.ts';
import { failureFix } from '../failureFix.ts';
import type { DoctorCheck } from './doctor.ts';
import { partnerCenterEndpoints } from './partnerCenterChecks.ts';

export async function dashboardSignInCheck(config: CosellConfig): Promise<DoctorCheck | null> {
  const signIn = config.dashboard.signIn;
  if (signIn.kind !== 'microsoft') return null;
  const check = 'Dashboard sign-in';
  const dispatcher = dispatcherTrusting(config.partnerCenter.trustedCaFile);
  const provider = new OpenIdProvider({
    authorityUrl: config.partnerCenter.authorityUrl,
    tenantId: signIn.tenantId,
    clientId: signIn.clientId,
    clientSecret: signIn.clientSecret,
    dispatcher,
  });
  const who = [
    signIn.allowedUsers.length > 0 ? `${signIn.allowedUsers.length} allowed user(s)` : null,
    signIn.allowedGroupId ? `members of group ${signIn.allowedGroupId}` : null,
  ].filter((part) => part !== null);
  try {
    const { issuer } = await provider.metadata();
    return { check, ok: true, severity: 'error', detail: `${issuer}, for ${who.join(' and ')}`, fix: null };
  } catch (error) {
    return {
      check,
      ok: false,
      severity: 'error',
      detail: toError(error).message,
      fix:
        failureFix(error, partnerCenterEndpoints(config).authority) ??
        `set dashboard.signIn.tenantId to your Entra ID tenant id, a GUID (Entra ID > Overview > Tenant ID); it is now ${signIn.tenantId}`,
    };
  } finally {
    await dispatcher?.close();
  }
}
