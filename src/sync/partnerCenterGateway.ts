/** PartnerCenterPort over the Referrals API client. */

import type { JsonPatchOperation } from '../domain/mapping/referralPatchOps.ts';
import type { NewPcReferral, ReferralClient } from '../partner-center/referralClient.ts';
import type { PcReferral } from '../partner-center/referralWire.ts';
import { UpstreamError } from '../shared/upstreamError.ts';
import type { PartnerCenterPort } from './syncPorts.ts';

export class PartnerCenterGateway implements PartnerCenterPort {
  constructor(private readonly client: ReferralClient) {}

  async getReferral(id: string): Promise<PcReferral | null> {
    try {
      return (await this.client.get(id)).referral;
    } catch (error) {
      if (error instanceof UpstreamError && error.status === 404) return null;
      throw error;
    }
  }

  findReferralByExternalReferenceId(opportunityId: string): Promise<PcReferral | null> {
    return this.client.findByExternalReferenceId(opportunityId);
  }

  createReferral(body: Record<string, unknown>): Promise<PcReferral> {
    return this.client.create(body as NewPcReferral);
  }

  patchReferral(
    id: string,
    operations: readonly JsonPatchOperation[],
    eTag: string | null,
  ): Promise<PcReferral> {
    return this.client.patch(id, [...operations], eTag ? { ifMatch: eTag } : {});
  }

  listEngagementReferrals(engagementId: string): Promise<PcReferral[]> {
    return this.client.listRelated(engagementId);
  }

  listUpdatedSince(since: string): AsyncIterable<PcReferral> {
    return this.client.list({ filter: `updatedDateTime ge ${since}`, orderBy: 'updatedDateTime asc' });
  }
}
