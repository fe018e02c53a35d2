import type { CoSellDeal } from '../coSellDeal.ts';
import { accountFields } from './accountFields.ts';
import type { Mapping } from './mappingSchema.ts';

/** Lead address fields, in the same order as the Account billing address fields. */
const leadAddress = {
  streetField: 'Street',
  cityField: 'City',
  stateField: 'State',
  postalCodeField: 'PostalCode',
  countryField: 'Country',
} as const;

/**
 * Standard Lead fields for a Microsoft lead that has not been accepted: company and address from the customer,
 * person from the first customer contact (Salesforce requires LastName and Company), notes as Description and
 * the mapping's lead source. The sync layer keeps the referral ↔ lead link in its store.
 */
export function leadFields(deal: CoSellDeal, mapping: Mapping): Record<string, unknown> {
  const contact = deal.customerContacts[0];
  const customer = deal.customer;
  const address =
    customer === null
      ? {}
      : accountFields(customer, {
          ...mapping,
          account: {
            ...mapping.account,
            ...leadAddress,
            nameField: 'Company',
            sizeField: null,
            dunsField: null,
          },
        });
  const fields: Record<string, unknown> = {
    ...address,
    Company: customer?.name ?? deal.name,
    FirstName: contact?.firstName ?? null,
    LastName: contact?.lastName ?? contact?.email ?? customer?.name ?? deal.name,
    Email: contact?.email ?? null,
    Phone: contact?.phone ?? null,
    Title: contact?.title ?? null,
    Description: [deal.name, deal.notes, deal.inviteNotes].filter((part) => part).join('\n\n'),
  };
  if (mapping.leads.leadSource !== null) fields['LeadSource'] = mapping.leads.leadSource;
  return fields;
}
