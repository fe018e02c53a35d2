/**
 * What the sync layer reads from Salesforce for one deal, keyed by Salesforce API names
 * (field names come from the mapping, so an org can keep the fields of Microsoft's old package).
 */

/** A Salesforce record as returned by REST/SOQL: API name → value. */
export type SalesforceRecord = Readonly<Record<string, unknown>>;

export interface SalesforceContactRole {
  /** The Contact record (FirstName, LastName, Email, Phone, Title, Id…). */
  contact: SalesforceRecord;
  role: string | null;
  isPrimary: boolean;
}

export interface SalesforceTeamMember {
  /** The User record (FirstName, LastName, Email, Phone, Id…). */
  user: SalesforceRecord;
  role: string | null;
}

export interface SalesforceDealSnapshot {
  opportunity: SalesforceRecord;
  /** The opportunity's Account, or null when it has none. */
  account: SalesforceRecord | null;
  contactRoles: readonly SalesforceContactRole[];
  /** Microsoft solution child records (object and field names from the mapping). */
  solutions: readonly SalesforceRecord[];
  /** Opportunity team members; empty when Team Selling is off. */
  teamMembers: readonly SalesforceTeamMember[];
  /**
   * Text of the connector's ContentNote when the mapping stores notes as a ContentNote;
   * `undefined` when notes live in an opportunity field (or were not read).
   */
  notes?: string | null | undefined;
}
