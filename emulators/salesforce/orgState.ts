/** Everything the emulator persists: records, deployed metadata, settings, users' sessions, API usage. */
import type { CustomFieldMeta, CustomObjectMeta, PermissionSetMeta } from './customMetadata.ts';
import type { DeployJob } from './deployJob.ts';
import type { SfRecord } from './objectSchema.ts';
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
