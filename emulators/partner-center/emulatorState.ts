import type { JsonObject } from './referralRules.ts';

export interface WebhookRegistration {
  subscriberId: string;
  webhookUrl: string;
  webhookEvents: string[];
  signatureTokenToMsSignatureHeader: boolean;
  properties: Record<string, string>;
  lastModifiedTimestamp: string;
}

export interface DeliveryAttempt {
  attempt: number;
  attemptedAt: string;
  /** The receiver's HTTP status, or null when no answer came (timeout, connection error, injected drop). */
  statusCode: number | null;
  error: string | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dropped' | 'held';

export interface DeliveryRecord {
  id: string;
  eventName: string;
  resourceUri: string;
  url: string;
  body: string;
  createdAt: string;
  status: DeliveryStatus;
  /** Status of the last attempt (null before any answer). */
  statusCode: number | null;
  attempts: DeliveryAttempt[];
  /** Set when this delivery is an injected duplicate of another. */
  duplicateOf: string | null;
  /** The validation event this delivery belongs to (test-created). */
  correlationId: string | null;
}

/** Everything the emulator remembers; plain JSON so it can be saved to the state file. */
export interface EmulatorStateData {
  idCounter: number;
  clockOffsetMs: number;
  referrals: JsonObject[];
  registration: WebhookRegistration | null;
  deliveries: DeliveryRecord[];
}

export function emptyState(): EmulatorStateData {
  return { idCounter: 0, clockOffsetMs: 0, referrals: [], registration: null, deliveries: [] };
}
