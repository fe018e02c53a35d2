/** Everything the emulator persists: records, deployed metadata, settings, users' sessions, API usage. */
import type { CustomFieldMeta, CustomObjectMeta, PermissionSetMeta } from './customMetadata.ts';
import type { DeployJob } from './deployJob.ts';
import type { SfRecord } from './objectSchema.ts';
import { noRealism, type OrgRealism } from './orgRealism.ts';
import { defaultOrgSettings, type OrgSettings } from './orgSettings.ts';
import { makeId } from './salesforceId.ts';

export interface SessionRow {
  userId: string;
  issuedAtMs: number;
  expired: boolean;
  /** The refresh token this access token was minted from, so revoking it revokes both. */
  refreshToken: string | null;
}

export interface RefreshTokenRow {
  userId: string;
  clientId: string;
}

export interface ConnectedAppRow {
  clientId: string;
  clientSecret: string;
  certificatePem: string | null;
  /**
   * Usernames pre-authorized on the app ("Admin approved users are pre-authorized"); JWT bearer sign-in of
   * anyone else answers `user hasn't approved this consumer`. Null or absent: every active user may sign in.
   */
  preAuthorizedUsernames?: string[] | null;
  /** The app issues JWT-based access tokens: REST accepts them, the SOAP APIs (Metadata deploy) do not. */
  jwtAccessTokens?: boolean;
  /** The org blocks the username-password flow (orgs created Summer '23 or later; External Client Apps). */
  passwordFlowBlocked?: boolean;
}

export interface OrgState {
  orgId: string;
  adminUserId: string;
  integrationUserId: string;
  /** Next sequence number per key prefix. */
  sequences: Record<string, number>;
  /** Object API name → record id → record. Deleted records stay with IsDeleted = true. */
  records: Record<string, Record<string, SfRecord>>;
  /** Deleted record id → deletion instant (for `sobjects/{T}/deleted`). */
  deletedAt: Record<string, string>;
  settings: OrgSettings;
  /** Validation rules, record types, duplicate rules, … (empty unless a test or demo switches them on). */
  realism: OrgRealism;
  customObjects: Record<string, CustomObjectMeta>;
  customFields: Record<string, CustomFieldMeta>;
  permissionSets: Record<string, PermissionSetMeta>;
  layouts: Record<string, string>;
  sessions: Record<string, SessionRow>;
  refreshTokens: Record<string, RefreshTokenRow>;
  authorizationCodes: Record<string, { userId: string; redirectUri: string; codeChallenge: string | null }>;
  connectedApp: ConnectedAppRow;
  apiUsage: { used: number; max: number };
  deploys: Record<string, DeployJob>;
  clockOffsetMs: number;
  /** Long-running transactions opened through the control API: id → start instant (Salesforce wire format). */
  openTransactions?: Record<string, string>;
}

export const ADMIN_PASSWORD = 'admin-password-1';
export const INTEGRATION_PASSWORD = 'integration-password-1';

export function initialOrgState(dailyApiLimit: number): OrgState {
  return {
    orgId: makeId('00D', 1),
    adminUserId: makeId('005', 1),
    integrationUserId: makeId('005', 2),
    sequences: { '005': 3, '00D': 2 },
    records: {},
    deletedAt: {},
    settings: defaultOrgSettings(),
    realism: noRealism(),
    customObjects: {},
    customFields: {},
    permissionSets: {},
    layouts: {},
    sessions: {},
    refreshTokens: {},
    authorizationCodes: {},
    connectedApp: {
      clientId: '3MVG9emulatorConsumerKey.cosellConnectorSandbox',
      clientSecret: 'EMULATOR0CONSUMER0SECRET0000000000001',
      certificatePem: null,
    },
    apiUsage: { used: 0, max: dailyApiLimit },
    deploys: {},
    clockOffsetMs: 0,
  };
}
