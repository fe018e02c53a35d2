/** The port the webhook route needs: verify signature + certificate over the raw body (WebhookSignatureVerifier fits it). */
export interface VerifiedWebhookEvent {
  eventName: string;
  /** Trailing id of ResourceUri (a referral id for referral events); never followed as a URL. */
  resourceId: string | null;
}

/** Why a delivery is refused, and what to answer: 400 malformed, 401 not authentic, 503 cannot check now. */
export interface WebhookRefusal {
  code: string;
  message: string;
  httpStatus: 400 | 401 | 503;
}

export interface WebhookVerifier {
  /** The checks that need neither the body nor a download; the route runs them before reading the body. */
  checkHeaders(headers: Record<string, string | string[] | undefined>): WebhookRefusal | null;
  verify(delivery: {
    headers: Record<string, string | string[] | undefined>;
    rawBody: Buffer;
  }): Promise<{ ok: true; event: VerifiedWebhookEvent } | { ok: false; error: WebhookRefusal }>;
}

/** Events the connector acts on; anything else is acknowledged and ignored. */
export const REFERRAL_EVENTS = new Set([
  'referral-created',
  'referral-updated',
  'related-referral-created',
  'related-referral-updated',
]);
