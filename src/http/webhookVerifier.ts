import type { Result } from '../shared/result.ts';

/** A verified Partner Center webhook event (body fields normalised from PascalCase or camelCase). */
export interface VerifiedWebhookEvent {
  eventName: string;
  /** Trailing id of ResourceUri (a referral id for referral events); never followed as a URL. */
  resourceId: string | null;
  resourceChangedAt: string | null;
}

/** The port the webhook route needs: verify signature + certificate over the raw body. */
export interface WebhookVerifier {
  verify(
    headers: Readonly<Record<string, string | string[] | undefined>>,
    rawBody: Buffer,
  ): Promise<Result<VerifiedWebhookEvent>>;
}

/** Events the connector acts on; anything else is acknowledged and ignored. */
export const REFERRAL_EVENTS = new Set([
  'referral-created',
  'referral-updated',
  'related-referral-created',
  'related-referral-updated',
]);
