/**
 * What to do when signing in to Salesforce fails, from the flow and the OAuth error Salesforce answered.
 * Covers the setups that trip new orgs: External Client Apps (Connected App creation is restricted from
 * Spring '26), JWT pre-authorization of the integration user, and the blocked username-password flow.
 */
import type { SalesforceAuth } from './salesforceConnection.ts';

const ECA_SETUP = 'Setup → External Client App Manager → your app';

export function salesforceSignInFix(flow: SalesforceAuth['flow'], message: string): string {
  if (/user hasn't approved this consumer/i.test(message)) {
    return `The integration user is not pre-authorized on the app. In ${ECA_SETUP} → Policies, set Permitted Users to "Admin approved users are pre-authorized" and add the integration user's profile or a permission set assigned to it (Connected App: Manage → Edit Policies). See docs/setup-salesforce.md.`;
  }
  if (/invalid_client_id|client identifier invalid/i.test(message)) {
    return `Salesforce does not know salesforce.auth.clientId. Copy the Consumer Key of the app (${ECA_SETUP} → Settings → OAuth Settings → Consumer Key and Secret). New orgs cannot create Connected Apps any more: create an External Client App (docs/setup-salesforce.md).`;
  }
  if (flow === 'password' && /authentication failure/i.test(message)) {
    return "Either the username, password or security token is wrong, or the org blocks the username-password flow (the default for orgs created since Summer '23; External Client Apps never allow it). Use the JWT bearer flow: `cosell init --jwt-key`, upload the certificate to an External Client App and set salesforce.auth.flow: jwt (docs/setup-salesforce.md).";
  }
  if (flow === 'jwt' && /invalid assertion|signature|invalid_client\b/i.test(message)) {
    return `The app does not hold the certificate of salesforce.auth.privateKeyFile. Upload salesforce-jwt.crt in ${ECA_SETUP} → Settings → OAuth Settings → "Use digital signatures".`;
  }
  if (flow === 'clientCredentials' && /not supported on this domain/i.test(message)) {
    return "The client credentials flow works only on the org's My Domain: set salesforce.loginUrl to https://<your-domain>.my.salesforce.com, and choose a Run As user on the app.";
  }
  return 'Check salesforce.* in the config, then run `cosell connect salesforce`.';
}

/** JWT-based access tokens (three dot-separated parts, a JSON header) work for REST APIs only. */
export function isJwtBasedAccessToken(token: string | undefined): boolean {
  const parts = token?.split('.') ?? [];
  if (parts.length !== 3 || !parts[0]) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null;
  } catch {
    return false;
  }
}

export const JWT_ACCESS_TOKEN_FIX = `In ${ECA_SETUP} → Settings → OAuth Settings, turn off "Issue JSON Web Token (JWT)-based access tokens for named users", then sign in again. Those tokens work for REST only: the Metadata API deploy of \`cosell salesforce install\` refuses them.`;
