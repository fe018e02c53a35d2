/**
 * `cosell connect partner-center`: signs a user in (browser with authorization code + PKCE by default,
 * device code on request), refuses a sign-in without MFA, and checks that the API the sign-in is for
 * answers. The Referrals admin's sign-in serves both APIs unless a separate Webhooks sign-in is configured.
 */
import { type PartnerCenterClients, SECRETS } from '../../app.ts';
import type { CosellConfig } from '../../config/configSchema.ts';
import {
  missingMfaMessage,
  type PartnerCenterAuth,
  REFERRALS_SCOPE,
  type SignedInUser,
  WEBHOOKS_SCOPE,
} from '../../partner-center/partnerCenterAuth.ts';
import { toError, UpstreamError } from '../../shared/upstreamError.ts';
import type { Store } from '../../store/store.ts';
import type { CliIo } from '../cliIo.ts';
import { CliError, EXIT } from '../exitCodes.ts';

export interface PartnerCenterSignInOptions {
  deviceCode?: boolean;
  redirectPort?: number;
  webhooks?: boolean;
}

export interface ConnectOutcome {
  username: string;
  tenantId: string;
  mfa: boolean | null;
  flow: 'authorizationCode' | 'deviceCode';
  /** Which APIs the sign-in is used for. */
  usedFor: ('referrals' | 'webhooks')[];
  referralsReadable?: boolean;
  /** Null when the Webhooks API answered; otherwise why not (the sign-in still stands). */
  webhooksProblem?: string | null;
  summary: string;
}

/** The roles each API accepts, as Microsoft documents them (spec "2026 review"). */
export const REFERRALS_ROLES_TEXT = 'Referral admin (or Referral user)';
export const WEBHOOKS_ROLES_TEXT = 'Billing admin, Admin agent, Sales agent or Helpdesk agent';

async function signIn(
  auth: PartnerCenterAuth,
  flow: ConnectOutcome['flow'],
  scope: string,
  redirectPort: number,
  io: CliIo,
): Promise<SignedInUser> {
  if (flow === 'deviceCode') {
    return auth.signInWithDeviceCode({
      scope,
      onPrompt: (prompt) =>
        io.err(prompt.message || `Open ${prompt.verificationUri} and enter the code ${prompt.userCode}`),
    });
  }
  return auth.signInWithBrowser({
    scope,
    redirectPort,
    onUrl: (url) =>
      io.err(
        `Open this URL in a browser and sign in (with MFA) as the Partner Center user; the browser then returns to this computer:\n${url}`,
      ),
  });
}

/** Why a call with this sign-in was refused, phrased for the API's roles; rethrows what is not a refusal. */
function refusal(error: unknown, roles: string, username: string): string {
  if (error instanceof UpstreamError && error.status === 403) {
    return `${username} is signed in but lacks a role this API accepts (${roles}): a Partner Center admin grants it under Account settings > User management. (${error.message})`;
  }
  return toError(error).message;
}

export async function connectPartnerCenter(
  partnerCenter: PartnerCenterClients,
  config: CosellConfig,
  store: Store,
  options: PartnerCenterSignInOptions,
  io: CliIo,
): Promise<ConnectOutcome> {
  const separate = options.webhooks === true;
  const caller = partnerCenter.webhooksCaller;
  if (separate && (config.partnerCenter.webhooksSignIn.kind !== 'separateUser' || caller.kind !== 'user')) {
    throw new CliError(
      config.partnerCenter.webhooksSignIn.kind === 'appOnly'
        ? '--webhooks signs in a separate Webhooks API user, but the config has the app call the Webhooks API itself (partnerCenter.webhooksSignIn.kind: appOnly): nobody needs to sign in. `cosell doctor` checks that the Webhooks API accepts the app.'
        : '--webhooks signs in the separate Webhooks API user, but the config uses the Referrals admin for webhooks too. Set partnerCenter.webhooksSignIn.kind: separateUser in the config, then run this again.',
      EXIT.usage,
    );
  }
  const auth = separate && caller.kind === 'user' ? caller.auth : partnerCenter.auth;
  const signInConfig = config.partnerCenter.signIn;
  const flow = options.deviceCode ? 'deviceCode' : signInConfig.flow;
  const redirectPort =
    options.redirectPort ?? (signInConfig.flow === 'authorizationCode' ? signInConfig.redirectPort : 0);
  // The connection's state records a sign-in refused for missing MFA; the row may not exist yet.
  await store.connections.upsert({ id: config.connectionId, name: config.connectionId });
  // A new sign-in replaces the stored one, even one that can no longer be read (e.g. after a key change).
  await store.secrets.delete(
    config.connectionId,
    separate ? SECRETS.partnerCenterWebhooksTokenCache : SECRETS.partnerCenterTokenCache,
  );
  const user = await signIn(auth, flow, separate ? WEBHOOKS_SCOPE : REFERRALS_SCOPE, redirectPort, io);
  const base = { username: user.username, tenantId: user.tenantId, mfa: user.mfa, flow };
  if (user.mfa === false) {
    const message = missingMfaMessage(user.username);
    if (!separate) await store.connections.setState(config.connectionId, 'paused', message);
    throw new CliError(message);
  }

  if (separate) {
    try {
      await partnerCenter.webhooks.supportedEvents();
    } catch (error) {
      throw new CliError(
        `Webhooks API sign-in stored, but the API refused it: ${refusal(error, WEBHOOKS_ROLES_TEXT, user.username)}`,
      );
    }
    return {
      ...base,
      usedFor: ['webhooks'],
      webhooksProblem: null,
      summary: `✔ Signed in to Partner Center Webhooks API as ${user.username} (tenant ${user.tenantId}); \`cosell webhooks …\` uses this sign-in.`,
    };
  }

  let visible = 0;
  try {
    for await (const _referral of partnerCenter.referrals.list({ top: 1 })) {
      visible += 1;
      break;
    }
  } catch (error) {
    throw new CliError(
      `Signed in, but the Referrals API refused the sign-in: ${refusal(error, REFERRALS_ROLES_TEXT, user.username)}`,
    );
  }
  await store.connections.setState(config.connectionId, 'active', null);
  const lines = [
    `✔ Signed in to Partner Center as ${user.username} (tenant ${user.tenantId})${user.mfa ? ' with MFA' : ''}; the Referrals API answers${visible ? '' : ' (no referrals yet)'}.`,
  ];
  if (user.mfa === null) {
    lines.push(
      '⚠ The sign-in does not say whether MFA was used; Partner Center refuses App+User calls without MFA. Run `cosell doctor` to check.',
    );
  }
  let webhooksProblem: string | null = null;
  if (config.partnerCenter.webhooksSignIn.kind === 'sameUser') {
    try {
      await partnerCenter.webhooks.supportedEvents();
    } catch (error) {
      webhooksProblem = refusal(error, WEBHOOKS_ROLES_TEXT, user.username);
      lines.push(
        `⚠ The Webhooks API does not accept this sign-in: ${webhooksProblem} Or sign in a second user for webhooks: set partnerCenter.webhooksSignIn.kind: separateUser and run \`cosell connect partner-center --webhooks\`.`,
      );
    }
  }
  return {
    ...base,
    usedFor:
      config.partnerCenter.webhooksSignIn.kind === 'sameUser' ? ['referrals', 'webhooks'] : ['referrals'],
    referralsReadable: true,
    webhooksProblem,
    summary: lines.join('\n'),
  };
}
