/**
 * The body of a Partner Center webhook delivery, in either casing Partner Center uses (`EventName` in
 * the docs, `eventName` in the swagger). The referral id is the last path segment of ResourceUri; the
 * URI itself is never followed (the caller reads the referral from the configured API instead).
 */
import { z } from 'zod';
import { lenientString, lenientTimestamp } from './lenientSchemas.ts';

export interface PcWebhookEvent {
  eventName: string;
  resourceName: string | null;
  resourceUri: string | null;
  auditUri: string | null;
  /** ISO-8601 UTC, millisecond precision. */
  resourceChangeUtcDate: string | null;
  /** The last path segment of ResourceUri: a referral id, or a validation correlation id for `test-created`. */
  resourceId: string | null;
  /** The referral the event is about, for referral events; null otherwise. */
  referralId: string | null;
}

const eventSchema = z.object({
  eventName: lenientString.pipe(
    z.string({ error: 'the event has no EventName' }).min(1, 'the event has no EventName'),
  ),
  resourceName: lenientString,
  resourceUri: lenientString,
  auditUri: lenientString,
  resourceChangeUtcDate: lenientTimestamp,
});

export type WebhookEventParseResult =
  | { ok: true; value: PcWebhookEvent }
  | { ok: false; error: { code: string; message: string } };

export function parseWebhookEvent(rawBody: Buffer | string): WebhookEventParseResult {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    return { ok: false, error: { code: 'invalid_event', message: 'The webhook body is not JSON.' } };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, error: { code: 'invalid_event', message: 'The webhook body is not a JSON object.' } };
  }
  // Fold PascalCase keys to camelCase; an explicit camelCase key wins.
  const folded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const camel = key.charAt(0).toLowerCase() + key.slice(1);
    if (!(camel in folded) || key === camel) folded[camel] = value;
  }
  const parsed = eventSchema.safeParse(folded);
  if (!parsed.success) {
    return {
      ok: false,
      error: {
        code: 'invalid_event',
        message: `The webhook body is not a Partner Center event: ${z.prettifyError(parsed.error)}`,
      },
    };
  }
  const event = parsed.data;
  const resourceId = lastPathSegment(event.resourceUri);
  const isReferralEvent =
    event.resourceName?.toLowerCase() === 'referral' || /(^|-)referral-/.test(event.eventName);
  return {
    ok: true,
    value: { ...event, resourceId, referralId: isReferralEvent ? resourceId : null },
  };
}

function lastPathSegment(uri: string | null): string | null {
  if (uri === null) return null;
  let path = uri;
  try {
    path = new URL(uri).pathname;
  } catch {
    path = uri.split(/[?#]/)[0] ?? uri;
  }
  const segment = path
    .split('/')
    .filter((part) => part !== '')
    .pop();
  if (segment === undefined) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
