import type { DealCustomer } from '../coSellDeal.ts';
import type { Mapping } from './mappingSchema.ts';
import { countryName } from './toCountryCode.ts';

/**
 * Account fields (API name → value) for a customer: name, street (address lines 1 and 2 on two lines), city, state,
 * postal code, country (alpha-2 or English name per `account.countryFormat`), size and DUNS when mapped.
 */
export function accountFields(customer: DealCustomer, mapping: Mapping): Record<string, unknown> {
  const fields = mapping.account;
  const street = [customer.addressLine1, customer.addressLine2].filter((line) => line !== null).join('\n');
  const country =
    customer.country !== null && fields.countryFormat === 'name'
      ? (countryName(customer.country) ?? customer.country)
      : customer.country;
  const entries: [string | null, unknown][] = [
    [fields.nameField, customer.name],
    [fields.streetField, street === '' ? null : street],
    [fields.cityField, customer.city],
    [fields.stateField, customer.state],
    [fields.postalCodeField, customer.postalCode],
    [fields.countryField, country],
    [fields.sizeField, customer.size],
    [fields.dunsField, customer.duns],
  ];
  const out: Record<string, unknown> = {};
  for (const [name, value] of entries) {
    if (name !== null) out[name] = value;
  }
  return out;
}
