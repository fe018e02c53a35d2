import {
  type AssistanceRequestCode,
  assistanceRequestCodes,
  type CoSellDeal,
  type CustomerContact,
  type DealCustomer,
  type DealSolution,
  dealCategories,
  emailKey,
  type PartnerTeamMember,
  referralDirections,
  referralQualifications,
  referralTypeFor,
  referralTypes,
} from '../coSellDeal.ts';
import { stripStatusMark } from '../nameWithStatusMark.ts';
import { parseStatusText, type StatusFromStage, statusFromStage } from '../referralStatus.ts';
import { type TaxonomyEntry, wireValueOf } from '../referralTaxonomy.ts';
import type { SalesforceDealSnapshot, SalesforceRecord } from '../salesforceDealSnapshot.ts';
import { normaliseCountry } from './dealFromReferral.ts';
import type { Mapping, ScalarMappedField } from './mappingSchema.ts';
import {
  currencyOrNull,
  dateOnly,
  enumOrNull,
  isTrue,
  numberOrNull,
  textOrNull,
  uniqueByKey,
} from './normalise.ts';

/** Read a field by API name; `null` when the mapping has no field for it. */
const read = (record: SalesforceRecord | null, apiName: string | null): unknown =>
  record === null || apiName === null ? undefined : record[apiName];

/** The assistance code for a "How can Microsoft help?" picklist value (label, or the code itself). */
export function assistanceCodeFromLabel(value: unknown, mapping: Mapping): AssistanceRequestCode | null {
  const label = textOrNull(value);
  if (label === null) return null;
  const labels = mapping.valueMaps.assistanceRequestCode;
  const byLabel = assistanceRequestCodes.find((code) => labels[code].toLowerCase() === label.toLowerCase());
  return byLabel ?? enumOrNull(label, assistanceRequestCodes);
}

/** Split a street field into address lines 1 and 2 (first line break). */
function splitStreet(street: string | null): Pick<DealCustomer, 'addressLine1' | 'addressLine2'> {
  if (street === null) return { addressLine1: null, addressLine2: null };
  const [first, ...rest] = street.split(/\r?\n/);
  return { addressLine1: textOrNull(first), addressLine2: textOrNull(rest.join(', ')) };
}

function customerOf(account: SalesforceRecord, mapping: Mapping): DealCustomer {
  const fields = mapping.account;
  return {
    name: textOrNull(read(account, fields.nameField)),
    ...splitStreet(textOrNull(read(account, fields.streetField))),
    city: textOrNull(read(account, fields.cityField)),
    state: textOrNull(read(account, fields.stateField)),
    postalCode: textOrNull(read(account, fields.postalCodeField)),
    country: normaliseCountry(read(account, fields.countryField)),
    size: textOrNull(read(account, fields.sizeField)),
    duns: textOrNull(read(account, fields.dunsField)),
  };
}

/**
 * The canonical deal for a Salesforce opportunity and its related records, read through the mapping's API names.
 * The status comes from the stage (status ⇄ stage table), with the status text field as the current status and
 * the decline-reason field deciding Declined vs Lost. The ✔/✖ name mark is stripped. Fields the org does not store
 * (no API name in the mapping) get neutral values; `mergeDeals` ignores them on this side.
 */
export function dealFromSalesforce(snapshot: SalesforceDealSnapshot, mapping: Mapping): CoSellDeal {
  const opportunity = snapshot.opportunity;
  const field = (name: ScalarMappedField): unknown => read(opportunity, mapping.fields[name].salesforceField);
  const stage = textOrNull(field('status'));
  const current = parseStatusText(textOrNull(read(opportunity, mapping.opportunity.statusTextField)));
  const statusReasonValue = textOrNull(field('statusReason'));
  const derived: StatusFromStage =
    stage === null
      ? (current ?? { status: 'Active' as const, substatus: 'Accepted' as const })
      : statusFromStage(
          stage,
          { declineReason: textOrNull(read(opportunity, mapping.stages.declineReasonField)), current },
          mapping,
        );
  const assistanceRequestCode = assistanceCodeFromLabel(field('assistanceRequestCode'), mapping);
  const taxonomy = mapping.taxonomy;
  // A picklist label (or the wire value itself) becomes the wire value; an unknown text is kept for validation.
  const picklist = (name: ScalarMappedField, list: readonly TaxonomyEntry[]): string | null => {
    const text = textOrNull(field(name));
    return text === null ? null : wireValueOf(list, text);
  };
  const shareWithMicrosoftSellers = isTrue(field('shareWithMicrosoftSellers'));
  const contacts = snapshot.contactRoles.map(({ contact }): CustomerContact | null => {
    const email = textOrNull(read(contact, mapping.contacts.emailField));
    if (email === null) return null;
    return {
      firstName: textOrNull(read(contact, mapping.contacts.firstNameField)),
      lastName: textOrNull(read(contact, mapping.contacts.lastNameField)),
      email: emailKey(email),
      phone: textOrNull(read(contact, mapping.contacts.phoneField)),
      title: textOrNull(read(contact, mapping.contacts.titleField)),
    };
  });
  const solutions = snapshot.solutions.map((record): DealSolution | null => {
    const id = textOrNull(read(record, mapping.solutions.idField));
    if (id === null) return null;
    return {
      id,
      name: textOrNull(read(record, mapping.solutions.nameField)),
      publisher: textOrNull(read(record, mapping.solutions.publisherField)),
    };
  });
  const team = snapshot.teamMembers.map(({ user }): PartnerTeamMember | null => {
    const email = textOrNull(user['Email']);
    if (email === null) return null;
    return {
      firstName: textOrNull(user['FirstName']),
      lastName: textOrNull(user['LastName']),
      email: emailKey(email),
      phone: textOrNull(user['Phone']) ?? textOrNull(user['MobilePhone']),
    };
  });
  return {
    name: stripStatusMark(textOrNull(field('name')) ?? ''),
    dealValue: numberOrNull(field('dealValue')),
    currency:
      mapping.currency.mode === 'orgCurrency'
        ? mapping.currency.orgCurrency
        : currencyOrNull(field('currency')),
    closingDate: dateOnly(field('closingDate')),
    notes: mapping.notes.target === 'contentNote' ? textOrNull(snapshot.notes) : textOrNull(field('notes')),
    status: derived.status,
    substatus: derived.substatus,
    statusReason: derived.statusReason ?? statusReasonValue,
    type:
      enumOrNull(field('type'), referralTypes) ??
      referralTypeFor({ assistanceRequestCode, shareWithMicrosoftSellers }),
    direction: enumOrNull(field('direction'), referralDirections),
    qualification: enumOrNull(field('qualification'), referralQualifications),
    category: enumOrNull(field('category'), dealCategories) ?? 'coSell',
    assistanceRequestCode,
    shareWithMicrosoftSellers,
    partnerRole: picklist('partnerRole', taxonomy.partnerRoles),
    solutionArea: picklist('solutionArea', taxonomy.solutionAreas),
    solutionPlay: picklist(
      'solutionPlay',
      taxonomy.solutionAreas.flatMap((area) => area.solutionPlays),
    ),
    customerMarketplaceIntent: picklist('customerMarketplaceIntent', taxonomy.customerMarketplaceIntents),
    acceptByDate: dateOnly(field('acceptByDate')),
    actByDate: dateOnly(field('actByDate')),
    referralId: textOrNull(field('referralId')),
    referralLink: textOrNull(field('referralLink')),
    engagementId: textOrNull(field('engagementId')),
    externalReferenceId: textOrNull(field('externalReferenceId')),
    microsoftCrmId: textOrNull(field('microsoftCrmId')),
    inviteNotes: textOrNull(field('inviteNotes')),
    microsoftStatus: textOrNull(field('microsoftStatus')),
    customer: snapshot.account === null ? null : customerOf(snapshot.account, mapping),
    customerContacts: uniqueByKey(
      contacts.filter((contact) => contact !== null),
      (contact) => contact.email,
    ),
    solutions: uniqueByKey(
      solutions.filter((solution) => solution !== null),
      (solution) => solution.id,
    ),
    // Without team sync the snapshot carries the opportunity owner: it is the partner team sent on create.
    partnerTeam: uniqueByKey(
      team.filter((member) => member !== null),
      (member) => member.email,
    ),
  };
}
