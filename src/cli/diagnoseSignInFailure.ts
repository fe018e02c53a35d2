/**
 * When getting a Partner Center token fails, MSAL's error rarely names the cause a person can fix:
 * an unknown tenant id and an unreachable authority both surface as "endpoints resolution", and a
 * changed client id as "sign in again". This looks at the two things that decide it — does the
 * authority know the configured tenant, and was the stored sign-in made with the configured app —
 * and names the setting to fix. It returns null when the configuration is not the cause.
 */
import type { Dispatcher } from 'undici';
import { fetch } from 'undici';
import type { CosellConfig } from '../config/configSchema.ts';

export interface SignInDiagnosisInput {
  config: CosellConfig;
  /** The stored (decrypted) MSAL token cache, or null when none is stored. */
  tokenCache: string | null;
  dispatcher?: Dispatcher | undefined;
  timeoutMs?: number;
}

export async function diagnoseSignInFailure(input: SignInDiagnosisInput): Promise<string | null> {
  const { authorityUrl, tenantId, clientId } = input.config.partnerCenter;
  const discovery = `${authorityUrl.replace(/\/+$/, '')}/${encodeURIComponent(tenantId ?? '')}/v2.0/.well-known/openid-configuration`;
  let status: number;
  let body: string;
  try {
    const response = await fetch(discovery, {
      signal: AbortSignal.timeout(input.timeoutMs ?? 10_000),
      ...(input.dispatcher ? { dispatcher: input.dispatcher } : {}),
    });
    status = response.status;
    body = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const reason =
      typeof cause?.code === 'string'
        ? cause.code
        : typeof cause?.message === 'string'
          ? cause.message
          : String(error);
    return `The Microsoft sign-in service at partnerCenter.authorityUrl (${authorityUrl}) cannot be reached (${reason}). Check that URL (normally https://login.microsoftonline.com, or leave it out) and this machine's network or proxy, then run the command again.`;
  }
  if (status === 400 && /AADSTS90002|invalid_tenant|tenant/i.test(body)) {
    return `partnerCenter.tenantId ${tenantId} is not a tenant the Microsoft sign-in service knows. Set it to your Partner Center tenant id (a GUID: Partner Center > Account settings > Organization profile > Identifiers, or Entra ID > Overview > Tenant ID), then run \`cosell connect partner-center\`.`;
  }
  if (status >= 400) {
    return `partnerCenter.authorityUrl ${authorityUrl} answered ${status} instead of the sign-in service's configuration: check that URL (normally https://login.microsoftonline.com, or leave it out).`;
  }
  const storedFor = clientIdsIn(input.tokenCache);
  if (storedFor.length > 0 && clientId !== undefined && !storedFor.includes(clientId)) {
    return `The stored Partner Center sign-in was made with the app ${storedFor.join(', ')}, but partnerCenter.clientId is ${clientId}. If the client id changed by mistake, set it back; if you moved to a new app registration on purpose, run \`cosell connect partner-center\` to sign in with it.`;
  }
  return null;
}

/** The app (client) ids the refresh tokens in a serialized MSAL cache were issued to. */
function clientIdsIn(tokenCache: string | null): string[] {
  if (!tokenCache) return [];
  try {
    const parsed = JSON.parse(tokenCache) as { RefreshToken?: Record<string, { client_id?: unknown }> };
    const ids = Object.values(parsed.RefreshToken ?? {})
      .map((token) => token.client_id)
      .filter((id): id is string => typeof id === 'string');
    return [...new Set(ids)];
  } catch {
    return [];
  }
}
