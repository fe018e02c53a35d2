import type { DealCustomer } from '../coSellDeal.ts';

/** How to find the customer's existing Account: by DUNS number, else by normalised name + postal code. */
export type AccountMatchKey =
  | { kind: 'duns'; duns: string }
  | { kind: 'namePostalCode'; name: string; postalCode: string };

/** Legal-form words ignored when comparing company names ("Contoso Ltd." matches "CONTOSO"). */
const legalForms = new Set([
  'ltd',
  'limited',
  'inc',
  'incorporated',
  'llc',
  'llp',
  'corp',
  'corporation',
  'co',
  'company',
  'plc',
  'gmbh',
  'ag',
  'sa',
  'sas',
  'sarl',
  'bv',
  'nv',
  'srl',
  'spa',
  'pty',
  'kk',
  'oy',
  'ab',
  'as',
]);

/** Lower-case, accents and punctuation removed (dots joined: "S.A." → "sa"), legal-form words dropped, single spaces. */
export function normaliseCompanyName(name: string): string {
  const words = name
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/\./g, '')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '');
  const kept = words.filter((word) => !legalForms.has(word));
  return (kept.length > 0 ? kept : words).join(' ');
}

/** Postal code upper-cased without spaces or dashes ("ec1a 1bb" → "EC1A1BB"). */
export const normalisePostalCode = (postalCode: string): string =>
  postalCode.toUpperCase().replace(/[\s-]+/g, '');

/**
 * The key to match an Account for a customer: DUNS when known (digits only), else normalised name + postal code;
 * null when neither is available (the sync then creates an account).
 */
export function accountMatchKey(customer: DealCustomer): AccountMatchKey | null {
  const duns = customer.duns?.replace(/\D/g, '') ?? '';
  if (duns !== '') return { kind: 'duns', duns };
  const name = customer.name === null ? '' : normaliseCompanyName(customer.name);
  const postalCode = customer.postalCode === null ? '' : normalisePostalCode(customer.postalCode);
  if (name === '' || postalCode === '') return null;
  return { kind: 'namePostalCode', name, postalCode };
}
