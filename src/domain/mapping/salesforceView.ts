import type {
  CoSellDeal,
  CustomerContact,
  DealCollection,
  DealCustomer,
  DealSolution,
  PartnerTeamMember,
} from '../coSellDeal.ts';
import { emailKey } from '../coSellDeal.ts';
import type { Mapping } from './mappingSchema.ts';

type AttributeMap<T> = { [K in keyof T]?: string | null };

/** For each attribute of the customer and child items, the API name that stores it (null = not stored). */
function storedBy(mapping: Mapping) {
  const account = mapping.account;
  const contacts = mapping.contacts;
  return {
    customer: {
      name: account.nameField,
      addressLine1: account.streetField,
      addressLine2: account.streetField,
      city: account.cityField,
      state: account.stateField,
      postalCode: account.postalCodeField,
      country: account.countryField,
      size: account.sizeField,
      duns: account.dunsField,
    } satisfies AttributeMap<DealCustomer>,
    customerContacts: {
      firstName: contacts.firstNameField,
      lastName: contacts.lastNameField,
      email: contacts.emailField,
      phone: contacts.phoneField,
      title: contacts.titleField,
    } satisfies AttributeMap<CustomerContact>,
    solutions: {
      id: mapping.solutions.idField,
      name: mapping.solutions.nameField,
      publisher: mapping.solutions.publisherField,
    } satisfies AttributeMap<DealSolution>,
    // A team member is a Salesforce user, which the sync never updates: its name and phone are not written.
    partnerTeam: { firstName: null, lastName: null, phone: null } satisfies AttributeMap<PartnerTeamMember>,
  };
}

/**
 * Copy the attributes Salesforce does not store (or write) from `source` onto `target`; without a source, the
 * attribute keeps what Salesforce read (null for one it does not store).
 */
function fillUnstored<T extends object>(target: T, source: T | undefined, stored: AttributeMap<T>): T {
  const filled = { ...target };
  if (source === undefined) return filled;
  for (const attribute of Object.keys(target) as (keyof T)[]) {
    if (stored[attribute] === null) filled[attribute] = (source[attribute] ?? null) as T[keyof T];
  }
  return filled;
}

const itemKey: { [K in DealCollection]: (item: CoSellDeal[K][number]) => string } = {
  customerContacts: (item) => emailKey(item.email),
  solutions: (item) => item.id,
  partnerTeam: (item) => emailKey(item.email),
};

/**
 * The Salesforce-side deal with the attributes this org does not store (account size or DUNS, contact phone or
 * title, solution publisher when unmapped) or does not write (a team member's name and phone: users are never
 * updated) taken from Partner Center (or the base, for items only Salesforce has), so that a missing column never
 * reads as "changed to empty" in the merge and never produces a write. A team member only Salesforce knows keeps
 * its user's details.
 */
export function salesforceView(
  salesforce: CoSellDeal,
  partnerCenter: CoSellDeal,
  base: CoSellDeal | null,
  mapping: Mapping,
): CoSellDeal {
  const stored = storedBy(mapping);
  const view: CoSellDeal = { ...salesforce };
  if (view.customer !== null) {
    view.customer = fillUnstored(
      view.customer,
      partnerCenter.customer ?? base?.customer ?? undefined,
      stored.customer,
    );
  }
  const fillCollection = <K extends DealCollection>(field: K): CoSellDeal[K] => {
    type Item = CoSellDeal[K][number];
    const key = itemKey[field] as (item: Item) => string;
    const sources = new Map<string, Item>();
    for (const item of [...(base?.[field] ?? []), ...partnerCenter[field]] as Item[])
      sources.set(key(item), item);
    const attributes = stored[field] as AttributeMap<Item>;
    return (salesforce[field] as Item[]).map((item) =>
      fillUnstored(item, sources.get(key(item)), attributes),
    ) as CoSellDeal[K];
  };
  view.customerContacts = fillCollection('customerContacts');
  view.solutions = fillCollection('solutions');
  view.partnerTeam = fillCollection('partnerTeam');
  return view;
}
