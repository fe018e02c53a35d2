/** What an admin should do about a record Salesforce refused, by its error code. */
const FIXES: Readonly<Record<string, string>> = {
  FIELD_CUSTOM_VALIDATION_EXCEPTION:
    'a validation rule in Salesforce blocks it: change the rule (or exempt the integration user), or give the field a value in the mapping, then retry the deal',
  REQUIRED_FIELD_MISSING:
    'the field is required in Salesforce: give it a default value there or map a value to it, then retry the deal',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:
    'the value is not in the restricted picklist: add it to the picklist (or map it with a value map in the mapping), then retry the deal',
  INVALID_FIELD_FOR_INSERT_UPDATE:
    'the integration user cannot write the field: grant edit access to it (field-level security) or remove it from the mapping, then retry the deal',
  INVALID_FIELD:
    'the field does not exist or is hidden from the integration user: run `cosell salesforce install`, grant field access, or fix the mapping',
  DUPLICATES_DETECTED:
    'a duplicate rule blocks it: let the integration user save duplicates (or merge the existing records), then retry the deal',
  FIELD_INTEGRITY_EXCEPTION:
    'a value does not fit the field (for example a currency the org has not activated): activate it or map another value, then retry the deal',
  INSUFFICIENT_ACCESS_OR_READONLY:
    'the integration user has no access to the record: share it or grant the permission, then retry the deal',
};

export const recordErrorFix = (code: string): string =>
  FIXES[code] ?? 'fix the cause in Salesforce, then retry the deal (`cosell retry`)';
