/**
 * Deciding what to send to the Webhooks API (pure). Partner Center keeps ONE registration per
 * tenant: one URL for every event of every tool (billing's invoice-ready, subscription-updated,
 * GDAP's granular-admin-*, …). A PUT replaces the whole registration, so registering this connector
 * must keep other tools' events unless told otherwise, and must not move them silently.
 */

/** The four referral events the co-sell connector needs, plus `test-created` so `webhooks test` works. */
export const CONNECTOR_WEBHOOK_EVENTS = [
  'referral-created',
  'referral-updated',
  'related-referral-created',
  'related-referral-updated',
  'test-created',
] as const;

export interface CurrentRegistration {
  webhookUrl: string | null;
  webhookEvents: readonly string[];
  signatureInMsHeader?: boolean | null;
}

export interface RegistrationRequest {
  url: string;
  /** The events this connector needs. Default CONNECTOR_WEBHOOK_EVENTS. */
  events?: readonly string[];
  /** Point a registration that names another URL at this one. */
  overwrite?: boolean;
  /** Allow a change that takes events away from the receiver that has them now. */
  force?: boolean;
  /** Unregister every event this connector does not need. */
  dropOtherEvents?: boolean;
  /** Ask for the signature in `x-ms-signature` instead of Authorization. Default: as registered now. */
  signatureInMsHeader?: boolean;
}

export type RegistrationPlan =
  | { action: 'unchanged' }
  | { action: 'create'; url: string; events: string[] }
  | {
      action: 'update';
      url: string;
      events: string[];
      /** Events this change adds. */
      added: string[];
      /** Events no longer registered at all after this change. */
      dropped: string[];
      /** The URL that stops receiving events, when the URL changes. */
      previousUrl: string | null;
      /** Other tools' events that move from previousUrl to url. */
      movedOtherEvents: string[];
    }
  | { action: 'refused'; needs: '--overwrite' | '--force'; message: string };

const list = (events: readonly string[]) => events.join(', ');

export function planWebhookRegistration(
  current: CurrentRegistration | null,
  request: RegistrationRequest,
): RegistrationPlan {
  const wanted = [...(request.events ?? CONNECTOR_WEBHOOK_EVENTS)];
  if (current === null) return { action: 'create', url: request.url, events: wanted };

  const others = current.webhookEvents.filter((event) => !wanted.includes(event));
  const events = request.dropOtherEvents ? wanted : [...current.webhookEvents, ...missing(wanted, current)];
  const added = missing(events, current);
  const dropped = current.webhookEvents.filter((event) => !events.includes(event));
  const urlChanges = current.webhookUrl !== request.url;
  const headerChanges =
    request.signatureInMsHeader !== undefined &&
    request.signatureInMsHeader !== (current.signatureInMsHeader ?? false);
  if (!urlChanges && !headerChanges && added.length === 0 && dropped.length === 0)
    return { action: 'unchanged' };

  const previousUrl = urlChanges ? current.webhookUrl : null;
  const movedOtherEvents = urlChanges ? others.filter((event) => events.includes(event)) : [];
  if (urlChanges && !request.overwrite) {
    return {
      action: 'refused',
      needs: '--overwrite',
      message:
        `The tenant's webhook registration points at ${current.webhookUrl ?? '(no URL)'}, not ${request.url}, and a tenant has only one. ` +
        `Nothing was changed. Pass --overwrite to point it here: ${current.webhookUrl ?? 'that URL'} then stops receiving ${list(current.webhookEvents) || 'events'}` +
        ' (Partner Center notifies only the environment with the latest co-sell configuration).',
    };
  }
  const losses = [
    ...(dropped.length ? [`${list(dropped)} would be unregistered, so no receiver gets them any more`] : []),
    ...(movedOtherEvents.length
      ? [
          `${list(movedOtherEvents)} (registered by another tool) would go to ${request.url} instead of ${current.webhookUrl ?? 'the current URL'}`,
        ]
      : []),
  ];
  if (losses.length > 0 && !request.force) {
    return {
      action: 'refused',
      needs: '--force',
      message: `Nothing was changed, because this would take events away from the receiver that has them now: ${losses.join('; ')}. Check with whoever owns those events, then run again with --force.`,
    };
  }
  return { action: 'update', url: request.url, events, added, dropped, previousUrl, movedOtherEvents };
}

function missing(events: readonly string[], current: CurrentRegistration): string[] {
  return events.filter((event) => !current.webhookEvents.includes(event));
}

export interface RegistrationAssessment {
  ok: boolean;
  detail: string;
  fix: string | null;
}

/**
 * Does the registration send this connector what it needs? `expectedUrl` is this environment's
 * receiver (server.publicUrl + the webhook path), or null when it is not configured.
 */
export function assessWebhookRegistration(
  registration: CurrentRegistration | null,
  expectedUrl: string | null,
): RegistrationAssessment {
  if (registration === null)
    return {
      ok: false,
      detail: 'no webhook is registered: changes in Partner Center arrive only with the periodic reconcile',
      fix: 'run `cosell webhooks register`',
    };
  const missingEvents = CONNECTOR_WEBHOOK_EVENTS.filter(
    (event) => !registration.webhookEvents.includes(event),
  );
  if (expectedUrl !== null && registration.webhookUrl !== expectedUrl)
    return {
      ok: false,
      detail:
        `notifications go to ${registration.webhookUrl ?? '(no URL)'}, not to this environment (${expectedUrl}): ` +
        'Partner Center notifies only the environment with the latest co-sell configuration, so changes reach this connector only with the periodic reconcile',
      fix: 'if this environment should receive them, run `cosell webhooks register --overwrite` here (the other environment then stops receiving them)',
    };
  if (missingEvents.length > 0)
    return {
      ok: false,
      detail: `${registration.webhookUrl ?? '(no URL)'} is not registered for ${list(missingEvents)}`,
      fix: 'run `cosell webhooks register` (it adds the missing events and keeps the others)',
    };
  return {
    ok: true,
    detail:
      expectedUrl === null
        ? `${registration.webhookUrl} (server.publicUrl is not set, so whether it is this environment cannot be checked)`
        : `${registration.webhookUrl}, for ${list(CONNECTOR_WEBHOOK_EVENTS)}`,
    fix: null,
  };
}
