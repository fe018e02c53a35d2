/**
 * The org-specific rules a save passes after the platform's own checks, in Salesforce's order: the record
 * type's picklist values (an opportunity stage outside its sales process), validation rules (all failures
 * reported together), then duplicate rules. Each failure is a SalesforceApiError with the real error code.
 */
import type { ObjectDef, SfRecord } from './objectSchema.ts';
import { defaultRecordType, recordTypesOf, stagesOf } from './recordTypes.ts';
import { conditionHolds } from './ruleCondition.ts';
import { SalesforceApiError } from './salesforceApiError.ts';
import type { SalesforceOrg } from './salesforceOrg.ts';

const normalised = (value: unknown): string =>
  String(value ?? '')
    .trim()
    .toLowerCase();

export class SaveRules {
  constructor(private readonly org: SalesforceOrg) {}

  /** Fills RecordTypeId of a new record with the default record type, when the object has record types. */
  defaultRecordTypeId(object: ObjectDef, record: SfRecord): void {
    const fallback = defaultRecordType(this.org.state.realism.recordTypes, object.name);
    if (fallback && (record['RecordTypeId'] === null || record['RecordTypeId'] === undefined))
      record['RecordTypeId'] = fallback.id;
  }

  check(object: ObjectDef, record: SfRecord, previous: SfRecord | null): void {
    this.checkRecordType(object, record);
    this.checkValidationRules(object, record, previous);
    this.checkDuplicates(object, record);
  }

  private checkRecordType(object: ObjectDef, record: SfRecord): void {
    const types = recordTypesOf(this.org.state.realism.recordTypes, object.name);
    if (types.length === 0) return;
    const chosen = types.find((entry) => entry.id === record['RecordTypeId']);
    if (record['RecordTypeId'] !== null && record['RecordTypeId'] !== undefined && !chosen) {
      throw new SalesforceApiError(
        400,
        'INVALID_CROSS_REFERENCE_KEY',
        `Record Type ID: this ID value isn't valid for the user: ${String(record['RecordTypeId'])}`,
        ['RecordTypeId'],
        { listsFields: true },
      );
    }
    if (chosen && !chosen.config.active) {
      throw new SalesforceApiError(
        400,
        'INVALID_CROSS_REFERENCE_KEY',
        `Record Type ID: this ID value isn't valid for the user: ${chosen.id}`,
        ['RecordTypeId'],
        { listsFields: true },
      );
    }
    if (object.name !== 'Opportunity') return;
    const stage = record['StageName'];
    if (typeof stage === 'string' && !stagesOf(chosen).includes(stage)) {
      throw new SalesforceApiError(
        400,
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `Stage: bad value for restricted picklist field: ${stage}`,
        ['StageName'],
        { listsFields: true },
      );
    }
  }

  private checkValidationRules(object: ObjectDef, record: SfRecord, previous: SfRecord | null): void {
    const mode = previous === null ? 'create' : 'update';
    const failures = this.org.state.realism.validationRules
      .filter(
        (rule) =>
          rule.active &&
          rule.on.includes(mode) &&
          rule.object.toLowerCase() === object.name.toLowerCase() &&
          conditionHolds(rule.condition, record, previous),
      )
      .map(
        (rule) =>
          new SalesforceApiError(
            400,
            'FIELD_CUSTOM_VALIDATION_EXCEPTION',
            rule.errorMessage,
            rule.errorField ? [rule.errorField] : [],
            { listsFields: true },
          ),
      );
    const [first, ...rest] = failures;
    if (first) throw SalesforceApiError.all([first, ...rest]);
  }

  private checkDuplicates(object: ObjectDef, record: SfRecord): void {
    for (const rule of this.org.state.realism.duplicateRules) {
      if (!rule.active || rule.object !== object.name) continue;
      const key = rule.matchFields.map((name) => normalised(record[name]));
      if (key.some((part) => part === '')) continue;
      const matches = this.org
        .liveRecords(object.name)
        .filter(
          (other) =>
            other['Id'] !== record['Id'] &&
            rule.matchFields.every((name, index) => normalised(other[name]) === key[index]),
        );
      if (matches.length === 0) continue;
      throw new SalesforceApiError(400, 'DUPLICATES_DETECTED', rule.errorMessage, [], {
        listsFields: true,
        extra: {
          duplicateResult: {
            allowSave: false,
            duplicateRule: rule.name,
            duplicateRuleEntityType: object.name,
            errorMessage: rule.errorMessage,
            matchResults: [
              {
                entityType: object.name,
                errors: [],
                matchEngine: 'ExactMatchEngine',
                matchRecords: matches.map((match) => ({
                  additionalInformation: [],
                  fieldDiffs: [],
                  matchConfidence: 100,
                  record: { attributes: { type: object.name }, Id: match['Id'] },
                })),
                rule: `${rule.name}_Matching_Rule`,
                size: matches.length,
                success: true,
              },
            ],
          },
        },
      });
    }
  }
}
