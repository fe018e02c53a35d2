/**
 * Checks a mapping against what the Salesforce org says about itself (describe, as the integration user sees
 * it): every field the mapping names exists and is visible, its type fits, the connector may write it where it
 * writes, picklists hold the values the mapping writes, the stages exist in the record type in use, and no
 * required field without a default is left unfilled. Pure: describe facts + mapping → problems, each with a fix.
 */
import type { Mapping, SyncDirection } from './mappingSchema.ts';

/** One field as describe reports it to the integration user (FLS applied: hidden fields are absent). */
export interface OrgFieldFacts {
  name: string;
  type: string;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  defaultedOnCreate: boolean;
  externalId: boolean;
  picklistValues: readonly string[];
  restrictedPicklist: boolean;
}

/** The record type new opportunities get, and the stages its sales process allows. */
export interface RecordTypeFacts {
  name: string;
  stages: readonly string[];
}

export interface OrgDescribeFacts {
  /** Object API name → its fields; null when the object does not exist or the integration user cannot see it. */
  objects: Readonly<Record<string, readonly OrgFieldFacts[] | null>>;
  /** Null when Opportunity has no record types. */
  opportunityRecordType: RecordTypeFacts | null;
}

export type OrgMappingProblemKind =
  | 'missing_object'
  | 'missing_field'
  | 'wrong_type'
  | 'not_writable'
  | 'picklist_value_missing'
  | 'stage_not_in_record_type'
  | 'required_field_unfilled'
  | 'not_external_id';

export interface OrgMappingProblem {
  kind: OrgMappingProblemKind;
  object: string;
  field: string | null;
  /** Where the mapping names it, e.g. `fields.dealValue.salesforceField`. */
  mappingPath: string | null;
  message: string;
  fix: string;
}

type TypeFamily = 'text' | 'longText' | 'number' | 'date' | 'boolean' | 'picklist' | 'url' | 'id' | 'any';

const FAMILY_TYPES: Record<TypeFamily, readonly string[]> = {
  text: ['string', 'textarea', 'picklist', 'combobox', 'email', 'phone', 'url'],
  longText: ['textarea', 'string'],
  number: ['currency', 'double', 'int', 'percent', 'long'],
  date: ['date', 'datetime'],
  boolean: ['boolean'],
  picklist: ['picklist', 'string', 'combobox'],
  url: ['url', 'string'],
  id: ['id', 'string', 'reference'],
  any: [],
};

const FAMILY_LABEL: Record<TypeFamily, string> = {
  text: 'a text field',
  longText: 'a long text area (or text) field',
  number: 'a number or currency field',
  date: 'a date field',
  boolean: 'a checkbox',
  picklist: 'a picklist (or text) field',
  url: 'a URL (or text) field',
  id: 'an id or text field',
  any: 'any field',
};

interface FieldUse {
  object: string;
  field: string;
  path: string;
  family: TypeFamily;
  /** The connector writes this field (on create and update). */
  writes: boolean;
  /** Values the connector writes into it, when it is a picklist. */
  values?: readonly string[];
  externalId?: boolean;
}

const writesTo = (direction: SyncDirection) => direction !== 'toPartnerCenter';

const SCALAR_FAMILIES: Record<string, TypeFamily> = {
  name: 'text',
  dealValue: 'number',
  currency: 'picklist',
  closingDate: 'date',
  notes: 'longText',
  status: 'picklist',
  statusReason: 'text',
  type: 'text',
  direction: 'text',
  qualification: 'text',
  category: 'text',
  assistanceRequestCode: 'picklist',
  shareWithMicrosoftSellers: 'boolean',
  referralId: 'text',
  referralLink: 'url',
  engagementId: 'text',
  externalReferenceId: 'id',
  microsoftCrmId: 'text',
  inviteNotes: 'longText',
  microsoftStatus: 'text',
};

function stagesOf(mapping: Mapping): string[] {
  const { stages } = mapping;
  return [
    ...new Set([
      stages.onHold,
      stages.accept,
      ...stages.wonStages,
      ...stages.lostStages,
      stages.declined,
      stages.expired,
    ]),
  ];
}

/** Every Salesforce field the mapping names, with what the connector does with it. */
export function mappedFieldUses(mapping: Mapping): FieldUse[] {
  const uses: FieldUse[] = [];
  const opp = (field: string | null, path: string, family: TypeFamily, writes: boolean, extra = {}) => {
    if (field !== null) uses.push({ object: 'Opportunity', field, path, family, writes, ...extra });
  };
  for (const [key, family] of Object.entries(SCALAR_FAMILIES)) {
    const entry = mapping.fields[key as keyof typeof mapping.fields];
    if (!('salesforceField' in entry)) continue;
    if (key === 'notes' && mapping.notes.target === 'contentNote') continue;
    if (key === 'currency' && mapping.currency.mode === 'orgCurrency') continue;
    const values =
      key === 'status'
        ? stagesOf(mapping)
        : key === 'assistanceRequestCode'
          ? Object.values(mapping.valueMaps.assistanceRequestCode)
          : undefined;
    opp(entry.salesforceField, `fields.${key}.salesforceField`, family, writesTo(entry.direction), {
      ...(values ? { values } : {}),
      ...(key === 'referralId' ? { externalId: true } : {}),
    });
  }
  const { opportunity } = mapping;
  opp(opportunity.syncFlagField, 'opportunity.syncFlagField', 'boolean', true);
  opp(opportunity.syncStatusField, 'opportunity.syncStatusField', 'picklist', true, {
    values: ['Synced', 'Pending', 'Error'],
  });
  opp(opportunity.auditField, 'opportunity.auditField', 'longText', true);
  opp(opportunity.statusTextField, 'opportunity.statusTextField', 'text', true);
  opp(mapping.stages.declineReasonField, 'stages.declineReasonField', 'text', false);
  for (const field of Object.keys(mapping.transforms.salesforce)) {
    uses.push({
      object: 'Opportunity',
      field,
      path: `transforms.salesforce.${field}`,
      family: 'any',
      writes: true,
    });
  }
  const customerWrites = writesTo(mapping.fields.customer.direction);
  const { account } = mapping;
  const accountFields: Array<[string | null, string]> = [
    [account.nameField, 'nameField'],
    [account.streetField, 'streetField'],
    [account.cityField, 'cityField'],
    [account.stateField, 'stateField'],
    [account.postalCodeField, 'postalCodeField'],
    [account.countryField, 'countryField'],
    [account.sizeField, 'sizeField'],
    [account.dunsField, 'dunsField'],
  ];
  for (const [field, key] of accountFields) {
    if (field !== null)
      uses.push({ object: 'Account', field, path: `account.${key}`, family: 'text', writes: customerWrites });
  }
  const contactWrites = writesTo(mapping.fields.customerContacts.direction);
  const { contacts } = mapping;
  const contactFields: Array<[string | null, string]> = [
    [contacts.firstNameField, 'firstNameField'],
    [contacts.lastNameField, 'lastNameField'],
    [contacts.emailField, 'emailField'],
    [contacts.phoneField, 'phoneField'],
    [contacts.titleField, 'titleField'],
  ];
  for (const [field, key] of contactFields) {
    if (field !== null)
      uses.push({ object: 'Contact', field, path: `contacts.${key}`, family: 'text', writes: contactWrites });
  }
  const solutionWrites = writesTo(mapping.fields.solutions.direction);
  const { solutions } = mapping;
  const solutionFields: Array<[string | null, string, TypeFamily]> = [
    [solutions.parentField, 'parentField', 'id'],
    [solutions.idField, 'idField', 'text'],
    [solutions.nameField, 'nameField', 'text'],
    [solutions.publisherField, 'publisherField', 'text'],
  ];
  for (const [field, key, family] of solutionFields) {
    if (field === null) continue;
    // The master-detail parent is set on create only: it is never updateable.
    uses.push({
      object: solutions.object,
      field,
      path: `solutions.${key}`,
      family,
      writes: solutionWrites && key !== 'parentField',
    });
  }
  return uses;
}

const SETUP_FIELDS = 'Setup → Object Manager → {object} → Fields & Relationships';
const permissionFix = (object: string, field: string, access: 'Read' | 'Edit') =>
  `Give the integration user's permission set ${access} access to ${object}.${field} (Setup → Permission Sets → Object Settings → ${object})`;

function fieldProblems(use: FieldUse, facts: OrgFieldFacts | undefined): OrgMappingProblem[] {
  const at = { object: use.object, field: use.field, mappingPath: use.path };
  if (!facts) {
    return [
      {
        kind: 'missing_field',
        ...at,
        message: `${use.object}.${use.field} (${use.path}) does not exist, or the integration user cannot see it.`,
        fix: `Fix the API name in the mapping, create the field (${SETUP_FIELDS.replace('{object}', use.object)}), or ${permissionFix(use.object, use.field, 'Read').replace(/^Give/, 'give')}.`,
      },
    ];
  }
  const problems: OrgMappingProblem[] = [];
  if (use.family !== 'any' && !FAMILY_TYPES[use.family].includes(facts.type)) {
    problems.push({
      kind: 'wrong_type',
      ...at,
      message: `${use.object}.${use.field} (${use.path}) is of type ${facts.type}; the connector needs ${FAMILY_LABEL[use.family]}.`,
      fix: `Map ${use.path} to ${FAMILY_LABEL[use.family]} of ${use.object}, or change the field's type.`,
    });
  }
  if (use.writes && (!facts.createable || !facts.updateable)) {
    const missing = [!facts.createable ? 'created' : null, !facts.updateable ? 'updated' : null]
      .filter((part) => part !== null)
      .join(' or ');
    problems.push({
      kind: 'not_writable',
      ...at,
      message: `The integration user cannot write ${use.object}.${use.field} (${use.path}): it cannot be ${missing}.`,
      fix: `${permissionFix(use.object, use.field, 'Edit')}, or set the field's direction to toPartnerCenter in the mapping if Salesforce owns it.`,
    });
  }
  if (use.externalId && !facts.externalId) {
    problems.push({
      kind: 'not_external_id',
      ...at,
      message: `${use.object}.${use.field} (${use.path}) is not an External ID field, so creates cannot be made idempotent (upsert by referral id).`,
      fix: `Mark ${use.object}.${use.field} as External ID and Unique (${SETUP_FIELDS.replace('{object}', use.object)}), or run \`cosell salesforce install\` and map the package's field.`,
    });
  }
  const isPicklist = facts.type === 'picklist' || facts.type === 'multipicklist';
  if (use.values && isPicklist) {
    const missing = use.values.filter((value) => !facts.picklistValues.includes(value));
    if (missing.length > 0) {
      problems.push({
        kind: 'picklist_value_missing',
        ...at,
        message: `${use.object}.${use.field} (${use.path}) has no picklist value${missing.length === 1 ? '' : 's'} ${missing.map((value) => `"${value}"`).join(', ')}, which the mapping writes${facts.restrictedPicklist ? '; the picklist is restricted, so those writes fail' : ''}.`,
        fix: `Add ${missing.map((value) => `"${value}"`).join(', ')} to the picklist (${SETUP_FIELDS.replace('{object}', use.object)} → ${use.field} → Values), or change the mapping to values the picklist has: ${facts.picklistValues.join(', ') || 'none'}.`,
      });
    }
  }
  return problems;
}

/** Objects the connector creates records of, and the fields it fills on every create beyond the mapped ones. */
function createdObjects(mapping: Mapping): Array<{ object: string; alwaysFilled: string[] }> {
  const created = [{ object: 'Opportunity', alwaysFilled: ['Name', 'StageName', 'CloseDate', 'AccountId'] }];
  if (writesTo(mapping.fields.customer.direction)) created.push({ object: 'Account', alwaysFilled: [] });
  if (writesTo(mapping.fields.customerContacts.direction))
    created.push({ object: 'Contact', alwaysFilled: ['AccountId'] });
  if (writesTo(mapping.fields.solutions.direction))
    created.push({ object: mapping.solutions.object, alwaysFilled: [mapping.solutions.parentField] });
  return created;
}

export function checkMappingAgainstOrg(mapping: Mapping, org: OrgDescribeFacts): OrgMappingProblem[] {
  const problems: OrgMappingProblem[] = [];
  const uses = mappedFieldUses(mapping);
  const reportedObjects = new Set<string>();
  for (const use of uses) {
    const fields = org.objects[use.object];
    if (fields === undefined) continue;
    if (fields === null) {
      if (!reportedObjects.has(use.object)) {
        reportedObjects.add(use.object);
        problems.push({
          kind: 'missing_object',
          object: use.object,
          field: null,
          mappingPath: use.path,
          message: `${use.object} does not exist, or the integration user cannot see it.`,
          fix:
            use.object === mapping.solutions.object
              ? `Run \`cosell salesforce install\`, or set solutions.object in the mapping to the object holding Microsoft solutions.`
              : `Give the integration user Read access to ${use.object} in its permission set.`,
        });
      }
      continue;
    }
    const facts = fields.find((candidate) => candidate.name.toLowerCase() === use.field.toLowerCase());
    problems.push(...fieldProblems(use, facts));
  }

  const recordType = org.opportunityRecordType;
  if (recordType) {
    const missing = stagesOf(mapping).filter((stage) => !recordType.stages.includes(stage));
    if (missing.length > 0) {
      problems.push({
        kind: 'stage_not_in_record_type',
        object: 'Opportunity',
        field: 'StageName',
        mappingPath: 'stages',
        message: `The sales process of record type "${recordType.name}" (the one new opportunities get) has no stage${missing.length === 1 ? '' : 's'} ${missing.map((stage) => `"${stage}"`).join(', ')}, which the mapping's stages use.`,
        fix: `Add ${missing.map((stage) => `"${stage}"`).join(', ')} to that sales process (Setup → Sales Processes), or set the mapping's stages to stages it has: ${recordType.stages.join(', ')}.`,
      });
    }
  }

  for (const { object, alwaysFilled } of createdObjects(mapping)) {
    const fields = org.objects[object];
    if (!fields) continue;
    const filled = new Set(
      [
        ...alwaysFilled,
        ...uses.filter((use) => use.object === object && use.writes).map((use) => use.field),
      ].map((name) => name.toLowerCase()),
    );
    for (const field of fields) {
      const required =
        !field.nillable && field.createable && !field.defaultedOnCreate && field.type !== 'boolean';
      if (!required || filled.has(field.name.toLowerCase())) continue;
      problems.push({
        kind: 'required_field_unfilled',
        object,
        field: field.name,
        mappingPath: null,
        message: `${object}.${field.name} is required and has no default, and the connector does not fill it: every ${object} it creates would be refused (REQUIRED_FIELD_MISSING).`,
        fix: `Give ${object}.${field.name} a default value or make it optional (${SETUP_FIELDS.replace('{object}', object)}), or fill it with transforms.salesforce.${field.name} in the mapping${object === 'Opportunity' ? '' : ' (Opportunity only)'}.`,
      });
    }
  }
  return problems;
}

/** The objects whose describe the check needs. */
export function objectsToDescribe(mapping: Mapping): string[] {
  return [...new Set(mappedFieldUses(mapping).map((use) => use.object))];
}
