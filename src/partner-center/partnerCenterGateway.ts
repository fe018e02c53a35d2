/** PartnerCenterPort over the Referrals API client. */

import type { JsonPatchOperation } from '../domain/mapping/referralPatchOps.ts';
import { UpstreamError } from '../shared/upstreamError.ts';
import type { PartnerCenterPort } from '../sync/syncPorts.ts';
import type { NewPcReferral, ReferralClient } from './referralClient.ts';
import type { PcReferral, ReferralVersion } from './referralWire.ts';

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

  findCreatedReferral(opportunityId: string, sinceAt: string): Promise<PcReferral | null> {
    return this.client.findCreatedSince(opportunityId, sinceAt);
  }

  createReferral(body: Record<string, unknown>): Promise<PcReferral> {
    return this.client.create(body as NewPcReferral);
  }

  patchReferral(
    id: string,
    operations: readonly JsonPatchOperation[],
    eTag: string | null,
  ): Promise<ReferralVersion> {
    return this.client.patch(id, [...operations], eTag ? { ifMatch: eTag } : {});
  }

  listEngagementReferrals(engagementId: string): Promise<PcReferral[]> {
    return this.client.listRelated(engagementId);
  }

  listAll(): AsyncIterable<PcReferral> {
    return this.client.list({ orderBy: 'createdDateTime asc' });
  }

  listAllKeys(): AsyncIterable<{ id: string; engagementId: string | null }> {
    return this.client.listKeys({ orderBy: 'createdDateTime asc' });
  }

  listUpdatedSince(since: string): AsyncIterable<PcReferral> {
    return this.client.list({ filter: `updatedDateTime ge ${since}`, orderBy: 'updatedDateTime asc' });
  }
}
