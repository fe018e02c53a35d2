import { type CustomerContact, emailKey } from '../coSellDeal.ts';
import type { SalesforceContactRole, SalesforceRecord } from '../salesforceDealSnapshot.ts';
import { type ChildChanges, keyedDiff } from './keyedDiff.ts';
import type { Mapping } from './mappingSchema.ts';

/** Contact fields (API name → value) for a customer contact. */
export function contactFields(contact: CustomerContact, mapping: Mapping): Record<string, unknown> {
  const names = mapping.contacts;
  const out: Record<string, unknown> = {
    [names.firstNameField]: contact.firstName,
    [names.lastNameField]: contact.lastName,
    [names.emailField]: contact.email,
  };
  if (names.phoneField !== null) out[names.phoneField] = contact.phone;
  if (names.titleField !== null) out[names.titleField] = contact.title;
  return out;
}

/** The lower-cased email in a record field, or null. */
export const emailOf = (record: SalesforceRecord, field: string): string | null => {
  const value = record[field];
  return typeof value === 'string' && value.trim() !== '' ? emailKey(value) : null;
};

/**
 * Customer contacts vs the opportunity's contact roles, matched by lower-cased email.
 * `create`: contacts to find-or-create (by email) and attach with the mapping's role (`fields` are Contact fields);
 * `update`: Contact fields that differ; `delete`: contact roles to remove (the Contact itself stays).
 */
export function contactChanges(
  desired: readonly CustomerContact[],
  existing: readonly SalesforceContactRole[],
  mapping: Mapping,
): ChildChanges<CustomerContact, SalesforceContactRole> {
  const emailField = mapping.contacts.emailField;
  return keyedDiff(desired, existing, {
    desiredKey: (contact) => emailKey(contact.email),
    existingKey: (role) => emailOf(role.contact, emailField),
    fieldsOf: (contact) => contactFields(contact, mapping),
    existingValue: (role, name) => role.contact[name],
  });
}
