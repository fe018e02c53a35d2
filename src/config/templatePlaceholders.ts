/**
 * The example values `cosell init` writes into cosell.yaml. Each one must be replaced before the
 * connector can work, so loading a config that still holds one reports it as a problem.
 */
export interface TemplatePlaceholder {
  path: readonly string[];
  value: string;
  hint: string;
}

export const TEMPLATE_PLACEHOLDERS = {
  publicUrl: {
    path: ['server', 'publicUrl'],
    value: 'https://cosell.example.com',
    hint: 'set it to the public HTTPS address of this connector that Partner Center can reach (see docs/operations.md "TLS and the public webhook URL"), or remove the line until you have one',
  },
  tenantId: {
    path: ['partnerCenter', 'tenantId'],
    value: '00000000-0000-0000-0000-000000000000',
    hint: 'set it to your Partner Center (Entra ID) tenant id (Partner Center > Account settings > Organization profile > Identifiers)',
  },
  clientId: {
    path: ['partnerCenter', 'clientId'],
    value: '11111111-1111-1111-1111-111111111111',
    hint: 'set it to the Application (client) id of your Entra ID app registration; see docs/setup-partner-center.md',
  },
  loginUrl: {
    path: ['salesforce', 'loginUrl'],
    value: 'https://your-domain.my.salesforce.com',
    hint: 'set it to your org’s My Domain URL (Setup > My Domain), or https://test.salesforce.com for a sandbox',
  },
  username: {
    path: ['salesforce', 'auth', 'username'],
    value: 'integration@your-company.com',
    hint: 'set it to the Salesforce integration user’s username; see docs/setup-salesforce.md',
  },
} as const satisfies Record<string, TemplatePlaceholder>;
