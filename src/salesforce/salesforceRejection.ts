/**
 * A record Salesforce refused because of how the org is set up (validation rule, required field, sales
 * process, duplicate rule, restricted picklist, field-level security): what Salesforce said, which fields,
 * and what the Salesforce admin should change. Retrying never helps, so these are `permanent`.
 */
import { UpstreamError, type UpstreamErrorInit } from '../shared/upstreamError.ts';

export interface SalesforceRejection {
  /** Salesforce's code: REST `errorCode` or collection `statusCode`, e.g. FIELD_CUSTOM_VALIDATION_EXCEPTION. */
  errorCode: string;
  /** Field API names Salesforce named (may be empty, e.g. a validation rule shown at the top of the page). */
  fields: string[];
  /** Salesforce's own message(s), shortened and free of secrets. */
  salesforceMessage: string;
  /** One sentence: what went wrong, in the admin's terms. */
  summary: string;
  /** What to change, and where. */
  fix: string;
  /** The duplicate rule's name, for DUPLICATES_DETECTED when Salesforce gave it. */
  rule: string | null;
}

/** The codes a customised org produces for a record, explained by `explainSalesforceRejection`. */
export const ORG_RULE_CODES = new Set([
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'REQUIRED_FIELD_MISSING',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'DUPLICATES_DETECTED',
  'INVALID_FIELD_FOR_INSERT_UPDATE',
  'INVALID_CROSS_REFERENCE_KEY',
]);

export interface RejectionInput {
  code: string;
  message: string;
  fields: readonly string[];
  /** The DUPLICATES_DETECTED entry's `duplicateResult.duplicateRule`, when present. */
  duplicateRule?: string | null;
}

const list = (fields: readonly string[]) => fields.join(', ');

/** `Stage: bad value for restricted picklist field: Foo` → `Foo`. */
function badPicklistValue(message: string): string | null {
  return /bad value for restricted picklist field:\s*(.+)$/i.exec(message)?.[1]?.trim() ?? null;
}

/** The summary and fix for one refused record; other codes get a generic but honest explanation. */
export function explainSalesforceRejection(input: RejectionInput): SalesforceRejection {
  const fields = [...input.fields];
  const base = { errorCode: input.code, fields, salesforceMessage: input.message, rule: null };
  const named = fields.length > 0 ? ` (${list(fields)})` : '';
  switch (input.code) {
    case 'FIELD_CUSTOM_VALIDATION_EXCEPTION':
      return {
        ...base,
        summary: `A validation rule in Salesforce refused the record${named}: "${input.message}"`,
        fix: 'Change the opportunity so the rule passes (the message says what it needs), map the field the rule checks, or ask the Salesforce admin to exempt the integration user from the rule (Setup → Object Manager → the object → Validation Rules, e.g. a custom permission in the formula). Then retry the deal.',
      };
    case 'REQUIRED_FIELD_MISSING':
      return {
        ...base,
        summary: `Salesforce requires ${fields.length > 0 ? list(fields) : 'a field'} that the connector does not fill`,
        fix: `Give ${fields.length > 0 ? list(fields) : 'the field'} a default value or make it optional (Setup → Object Manager → Fields & Relationships), or fill it from the mapping (transforms.salesforce.<Field>). Then retry the deal.`,
      };
    case 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST': {
      const value = badPicklistValue(input.message) ?? 'the value';
      if (fields.includes('StageName') || /^Stage:/.test(input.message)) {
        return {
          ...base,
          summary: `Stage "${value}" is not in the sales process of the opportunity's record type`,
          fix: `Add "${value}" to that sales process (Setup → Sales Processes), or set the stages section of the mapping to stages the process has (\`cosell doctor\` lists them). Then retry the deal.`,
        };
      }
      return {
        ...base,
        summary: `"${value}" is not an allowed value of the restricted picklist${named}`,
        fix: `Add "${value}" to the picklist's values (and to the record type's values) in Setup → Object Manager → Fields & Relationships, or change the mapping's valueMaps so it writes an allowed value. Then retry the deal.`,
      };
    }
    case 'DUPLICATES_DETECTED': {
      const rule = input.duplicateRule ?? null;
      return {
        ...base,
        rule,
        summary: `A duplicate rule${rule ? ` (${rule})` : ''} blocked the record as a duplicate of an existing one: "${input.message}"`,
        fix: `Merge or reuse the existing record, or let the integration user save duplicates: Setup → Duplicate Rules → ${rule ?? 'the rule'} → Action on create/edit: Allow (or bypass the rule for the integration user). Then retry the deal.`,
      };
    }
    case 'INVALID_FIELD_FOR_INSERT_UPDATE':
      return {
        ...base,
        summary: `The integration user may read but not write ${fields.length > 0 ? list(fields) : 'a field'} (field-level security)`,
        fix: `Give the integration user's permission set Edit access to ${fields.length > 0 ? list(fields) : 'the field'} (Setup → Permission Sets → Object Settings), or set that field's direction in the mapping so the connector does not write it. Then retry the deal.`,
      };
    case 'INVALID_CROSS_REFERENCE_KEY':
      return {
        ...base,
        summary: `Salesforce refused a reference${named}: "${input.message}"`,
        fix: fields.includes('RecordTypeId')
          ? "Make the record type available to the integration user's profile or permission set (Setup → Permission Sets → Object Settings → Record Type Assignments)."
          : 'Check that the referenced record exists and the integration user can see it, then retry the deal.',
      };
    default:
      return {
        ...base,
        summary: `Salesforce refused the record${named}: ${input.code}: "${input.message}"`,
        fix: 'Fix the record or the mapping as the message says, then retry the deal.',
      };
  }
}

/** A single-record write refused by the org's rules: the `permanent` UpstreamError with its structured detail. */
export class SalesforceRejectionError extends UpstreamError {
  readonly rejection: SalesforceRejection;

  constructor(init: UpstreamErrorInit, rejection: SalesforceRejection) {
    super(init);
    this.name = 'SalesforceRejectionError';
    this.rejection = rejection;
  }
}

/** One line for the opportunity's Audit field and the dashboard: what Salesforce refused and the fix. */
export function rejectionLine(rejection: SalesforceRejection): string {
  return `✖ ${rejection.summary}. Fix: ${rejection.fix}`;
}

/** The structured detail of an error, when it is a record refused by the org's rules. */
export function rejectionOf(error: unknown): SalesforceRejection | null {
  return error instanceof SalesforceRejectionError ? error.rejection : null;
}
