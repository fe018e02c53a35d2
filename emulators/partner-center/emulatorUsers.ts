/**
 * The emulated partner tenant's users and the Partner Center roles each API accepts.
 * Roles follow Microsoft's current pages (spec "2026 review"): the Referrals API takes Referral Admin or
 * Referral User; the Webhooks API takes Billing admin, Admin agent, Sales agent or Helpdesk agent.
 * The three agent roles are Entra groups in a partner tenant (AdminAgents, SalesAgents, HelpdeskAgents),
 * so they also appear in the id token's `groups` claim.
 */
import { guidFrom } from './idGenerator.ts';

export const REFERRALS_ROLES = ['ReferralsAdmin', 'ReferralsUser'] as const;
export const WEBHOOKS_ROLES = ['BillingAdmin', 'AdminAgent', 'SalesAgent', 'HelpdeskAgent'] as const;
export const PARTNER_CENTER_ROLES = [...REFERRALS_ROLES, ...WEBHOOKS_ROLES, 'GlobalAdmin'] as const;

const AGENT_GROUPS: Record<string, string> = {
  AdminAgent: 'AdminAgents',
  SalesAgent: 'SalesAgents',
  HelpdeskAgent: 'HelpdeskAgents',
};

export interface EmulatorUser {
  oid: string;
  username: string;
  password: string;
  displayName: string;
  /** Partner Center roles, e.g. ReferralsAdmin. */
  roles: string[];
  /** Whether this user completes MFA when signing in interactively (device code, authorization code). */
  mfa: boolean;
  /** Object ids of further Entra groups the user is a member of (the `groups` claim), set by a control call. */
  groups?: string[];
  /**
   * The tenant the account belongs to when it is not the emulated partner tenant (an account of another
   * organization): its id tokens carry that tenant in `tid` and `iss`, as a multi-tenant sign-in would.
   */
  homeTenantId?: string;
}

/** The `amr` claim of an interactive sign-in by this user. */
export function interactiveAmr(user: EmulatorUser): string[] {
  return user.mfa ? ['pwd', 'mfa'] : ['pwd'];
}

/** Object ids of the Entra groups the user's agent roles stand for (the `groups` claim). */
export function groupIdsOf(user: EmulatorUser, seed: string): string[] {
  const agentGroups = user.roles
    .map((role) => AGENT_GROUPS[role])
    .filter((group): group is string => group !== undefined)
    .map((group) => guidFrom(`${seed}:group:${group}`));
  return [...new Set([...agentGroups, ...(user.groups ?? [])])];
}

export function hasRoleFor(user: EmulatorUser, roles: readonly string[]): boolean {
  return user.roles.some((role) => roles.includes(role));
}

/** The users every emulator starts with. */
export function seedUsers(seed: string): {
  admin: EmulatorUser;
  events: EmulatorUser;
  noRole: EmulatorUser;
} {
  return {
    admin: {
      oid: guidFrom(`${seed}:user:admin`),
      username: 'admin@contoso-partner.example',
      password: 'Emulator-Admin-Pass-1',
      displayName: 'Contoso Referrals Admin',
      // Admin agent too, so the sandbox can register its webhook with one sign-in.
      roles: ['ReferralsAdmin', 'AdminAgent'],
      mfa: true,
    },
    events: {
      oid: guidFrom(`${seed}:user:events`),
      username: 'events@contoso-partner.example',
      password: 'Emulator-Events-Pass-1',
      displayName: 'Contoso Billing Admin',
      roles: ['BillingAdmin'],
      mfa: true,
    },
    noRole: {
      oid: guidFrom(`${seed}:user:norole`),
      username: 'norole@contoso-partner.example',
      password: 'Emulator-NoRole-Pass-1',
      displayName: 'Contoso User Without Roles',
      roles: [],
      mfa: true,
    },
  };
}
