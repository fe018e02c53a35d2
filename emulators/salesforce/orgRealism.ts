/**
 * What makes the emulated org behave like a customised production org: validation rules, org-specific
 * custom fields (required ones included), record types with sales processes, duplicate rules, restricted
 * picklists and field-level security for non-admin users. Off (empty) by default; set through
 * `POST /__emulator/org-realism`.
 */
import { z } from 'zod';
import type { CustomFieldMeta } from './customMetadata.ts';

/** A declarative stand-in for a validation rule's formula: the rule fires (blocks the save) when it is true. */
export type RuleCondition =
  | { all: RuleCondition[] }
  | { any: RuleCondition[] }
  | { not: RuleCondition }
  | {
      field: string;
      op:
        | 'blank'
        | 'notBlank'
        | 'changed'
        | 'equals'
        | 'notEquals'
        | 'in'
        | 'notIn'
        | 'lessThan'
        | 'greaterThan';
      value?: string | number | boolean | null | Array<string | number> | undefined;
    };

export interface ValidationRule {
  object: string;
  /** The rule's API name, e.g. `Close_Date_Not_In_Past`. */
  name: string;
  /** Shown to the user, and returned as the error's message. */
  errorMessage: string;
  /** Field the error is displayed at; none = top of the page (`fields: []`). */
  errorField: string | null;
  condition: RuleCondition;
  /** Saves it applies to. */
  on: Array<'create' | 'update'>;
  active: boolean;
}

export interface RecordTypeConfig {
  object: string;
  developerName: string;
  label: string;
  /** Opportunity only: the sales process and the stages it allows. */
  salesProcess: string | null;
  stages: string[] | null;
  /** The record type new records get when the caller sends no RecordTypeId. */
  default: boolean;
  active: boolean;
}

export interface DuplicateRule {
  object: 'Account' | 'Contact' | 'Lead';
  name: string;
  /** A record matches another when every one of these fields is equal (trimmed, case-insensitive) and not blank. */
  matchFields: string[];
  /** The rule's alert text, returned as the error's message. */
  errorMessage: string;
  active: boolean;
}

export interface RestrictedPicklist {
  object: string;
  field: string;
  /** Replaces the field's values when given. */
  values: string[] | null;
}

export interface FieldSecurityRule {
  object: string;
  field: string;
  /** For every user but the admin: `hidden` (no read access) or `readOnly` (read, no edit). */
  access: 'hidden' | 'readOnly';
}

export interface OrgRealism {
  validationRules: ValidationRule[];
  customFields: CustomFieldMeta[];
  recordTypes: RecordTypeConfig[];
  duplicateRules: DuplicateRule[];
  restrictedPicklists: RestrictedPicklist[];
  fieldSecurity: FieldSecurityRule[];
}

export function noRealism(): OrgRealism {
  return {
    validationRules: [],
    customFields: [],
    recordTypes: [],
    duplicateRules: [],
    restrictedPicklists: [],
    fieldSecurity: [],
  };
}

const apiName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'an API name such as Amount or Region__c');
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const conditionSchema: z.ZodType<RuleCondition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
    z.strictObject({
      field: apiName,
      op: z.enum([
        'blank',
        'notBlank',
        'changed',
        'equals',
        'notEquals',
        'in',
        'notIn',
        'lessThan',
        'greaterThan',
      ]),
      value: z.union([scalar, z.array(z.union([z.string(), z.number()]))]).optional(),
    }),
  ]),
);

const customFieldSchema = z.object({
  fullName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*__c$/, 'Object.Field__c'),
  label: z.string().min(1),
  type: z.enum(['Text', 'TextArea', 'Checkbox', 'Number', 'Currency', 'Date', 'Picklist', 'Email', 'Url']),
  length: z.number().int().positive().optional(),
  required: z.boolean().optional(),
  defaultValue: z.string().optional(),
  picklistValues: z.array(z.string().min(1)).optional(),
  restricted: z.boolean().optional(),
});

/** The body of `POST /__emulator/org-realism`: each section given replaces that section. */
export const orgRealismInputSchema = z.strictObject({
  validationRules: z
    .array(
      z.object({
        object: apiName,
        name: apiName,
        errorMessage: z.string().min(1),
        errorField: apiName.nullable().default(null),
        condition: conditionSchema,
        on: z
          .array(z.enum(['create', 'update']))
          .min(1)
          .default(['create', 'update']),
        active: z.boolean().default(true),
      }),
    )
    .optional(),
  customFields: z.array(customFieldSchema).optional(),
  recordTypes: z
    .array(
      z.object({
        object: apiName,
        developerName: apiName,
        label: z.string().min(1),
        salesProcess: z.string().min(1).nullable().default(null),
        stages: z.array(z.string().min(1)).min(1).nullable().default(null),
        default: z.boolean().default(false),
        active: z.boolean().default(true),
      }),
    )
    .optional(),
  duplicateRules: z
    .array(
      z.object({
        object: z.enum(['Account', 'Contact', 'Lead']),
        name: apiName,
        matchFields: z.array(apiName).min(1),
        errorMessage: z
          .string()
          .min(1)
          .default("You're creating a duplicate record. We recommend you use an existing record instead."),
        active: z.boolean().default(true),
      }),
    )
    .optional(),
  restrictedPicklists: z
    .array(
      z.object({
        object: apiName,
        field: apiName,
        values: z.array(z.string().min(1)).nullable().default(null),
      }),
    )
    .optional(),
  fieldSecurity: z
    .array(z.object({ object: apiName, field: apiName, access: z.enum(['hidden', 'readOnly']) }))
    .optional(),
});
