/**
 * The customers a batch of Salesforce writes may create: each new opportunity's account (by DUNS and by
 * normalised name + postal code, as accountBatch.ts matches it) and each contact to add (by email). The gateway
 * holds these keys' locks while it writes, so two processes that bring the same new customer at once cannot both
 * find nothing and both create it.
 */
import type { SalesforceWrites } from '../domain/dealPlan.ts';
import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import { accountKeysOf, accountMatchKeys } from './accountBatch.ts';
import { emailKey } from './childRecordBatch.ts';

export function customerLockKeys(mapping: Mapping, items: readonly SalesforceWrites[]): string[] {
  const keys = new Set<string>();
  for (const item of items) {
    // A new opportunity's customer, or a linked one's that has no account yet: found or created.
    if (item.account && (item.opportunity?.op === 'create' || !item.accountId)) {
      for (const key of accountMatchKeys(accountKeysOf(mapping, item.account))) keys.add(`account:${key}`);
    }
    for (const contact of item.children?.contactsToAdd ?? []) {
      const email = emailKey(contact[mapping.contacts.emailField]);
      if (email) keys.add(`contact:${email}`);
    }
  }
  return [...keys];
}
