import type { Result } from '../../shared/result.ts';
import { fail, ok } from '../../shared/result.ts';
import { type CoSellDeal, type FieldChange, referralTypeFor, statusText } from '../coSellDeal.ts';
import { checkTransition } from '../referralStatus.ts';
import { checkVisibility } from '../visibilityRule.ts';
import type { Mapping } from './mappingSchema.ts';
import {
  addressBody,
  assistanceCodeBody,
  closingDateTimeBody,
  contactBody,
  customerIdsBody,
  marketplaceIntentAttributesBody,
  sharedWithMicrosoftBody,
  solutionBody,
  teamMemberBody,
} from './referralWireValues.ts';

/** One RFC 6902 operation; Partner Center accepts `replace` and `add` only. */
export interface JsonPatchOperation {
  op: 'replace' | 'add';
  path: string;
  value: unknown;
}

/**
 * JSON Patch operations that apply the merge's `toPartnerCenter` changes to the referral. `deal` is the merged deal.
 * Status, substatus and statusReason always travel together; the move is checked against the status table first,
 * and nothing may change on a closed referral. Changing help or visibility also sets the referral type and consent.
 * Values that were empty before are written with `add` (the member may be missing), others with `replace`.
 */
export function referralPatchOps(
  changes: readonly FieldChange[],
  deal: CoSellDeal,
  _mapping: Mapping,
): Result<JsonPatchOperation[]> {
  const ops: JsonPatchOperation[] = [];
  const put = (path: string, value: unknown, before: unknown) =>
    ops.push({ op: before === null || before === undefined ? 'add' : 'replace', path, value });
  const changed = new Map(changes.map((change) => [change.field, change]));
  const before = (field: FieldChange['field']) => changed.get(field)?.before;
  const currentStatus = {
    status: (before('status') as CoSellDeal['status'] | undefined) ?? deal.status,
    substatus: (before('substatus') as CoSellDeal['substatus'] | undefined) ?? deal.substatus,
  };
  if (currentStatus.status === 'Closed' && changes.length > 0) {
    return fail({
      code: 'closed_referral',
      message: `The referral is closed (${statusText(currentStatus.status, currentStatus.substatus)}) and Partner Center does not accept changes to it; the changes were not sent`,
      path: 'status',
    });
  }

  for (const change of changes) {
    switch (change.field) {
      case 'name':
        put('/name', deal.name, change.before);
        break;
      case 'dealValue':
        put('/details/dealValue', deal.dealValue, change.before);
        break;
      case 'currency':
        put('/details/currency', deal.currency, change.before);
        break;
      case 'closingDate':
        put('/details/closingDateTime', closingDateTimeBody(deal.closingDate), change.before);
        break;
      case 'notes':
        put('/details/notes', deal.notes, change.before);
        break;
      case 'externalReferenceId':
        put('/externalReferenceId', deal.externalReferenceId, change.before);
        break;
      case 'customer':
        put('/customerProfile/name', deal.customer?.name ?? null, change.before?.name);
        put('/customerProfile/size', deal.customer?.size ?? null, change.before?.size);
        put('/customerProfile/address', addressBody(deal.customer), change.before);
        put('/customerProfile/ids', customerIdsBody(deal.customer), change.before?.duns);
        break;
      case 'customerContacts':
        put('/customerProfile/team', deal.customerContacts.map(contactBody), 'present');
        break;
      case 'solutions':
        put('/details/requirements/solutions', deal.solutions.map(solutionBody), 'present');
        break;
      case 'partnerTeam':
        put('/team', deal.partnerTeam.map(teamMemberBody), 'present');
        break;
      case 'partnerRole':
      case 'solutionArea':
      case 'solutionPlay':
        put(`/${change.field}`, deal[change.field], change.before);
        break;
      case 'customerMarketplaceIntent':
        put(
          '/details/requirements/additionalRequirements/attributes',
          marketplaceIntentAttributesBody(deal),
          change.before,
        );
        break;
      default:
        break;
    }
  }

  if (changed.has('assistanceRequestCode') || changed.has('shareWithMicrosoftSellers')) {
    // Partner Center cannot take back a share with Microsoft sellers: refuse before any call.
    const wasShared = {
      shareWithMicrosoftSellers: changed.has('shareWithMicrosoftSellers')
        ? before('shareWithMicrosoftSellers') === true
        : deal.shareWithMicrosoftSellers,
      assistanceRequestCode: changed.has('assistanceRequestCode')
        ? ((before('assistanceRequestCode') ?? null) as CoSellDeal['assistanceRequestCode'])
        : deal.assistanceRequestCode,
      type: deal.type,
    };
    const refusal = checkVisibility(wasShared, deal);
    if (refusal) return fail(refusal);
    put('/inviteContext/assistanceRequestCode', assistanceCodeBody(deal), 'present');
    put('/consent/consentToShareReferralWithMicrosoftSellers', sharedWithMicrosoftBody(deal), 'present');
    const type = referralTypeFor(deal);
    if (type !== deal.type) put('/type', type, 'present');
  }

  if (changed.has('status') || changed.has('substatus') || changed.has('statusReason')) {
    const allowed = checkTransition(currentStatus, { status: deal.status, substatus: deal.substatus });
    if (!allowed.ok) return allowed;
    put('/status', deal.status, 'present');
    put('/substatus', deal.substatus, 'present');
    put('/statusReason', deal.statusReason, before('statusReason') ?? deal.statusReason);
  }
  return ok(ops);
}
