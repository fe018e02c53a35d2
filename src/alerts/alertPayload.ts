/**
 * The three message shapes an alert destination accepts, built from one AlertMessage (pure):
 * - teams: a message with one Adaptive Card attachment, the shape Microsoft documents for Teams incoming
 *   webhooks and for the Workflows "post to a channel when a webhook request is received" trigger;
 * - slack: an incoming-webhook message with `text` (the notification fallback) and Block Kit `blocks`;
 * - json: the incident itself, for any other receiver.
 */
import { formatDuration } from './alertConditions.ts';
import type { AlertEvent } from './planNotifications.ts';

export const ALERT_FORMATS = ['teams', 'slack', 'json'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

export interface AlertMessage {
  event: AlertEvent;
  connectionId: string;
  incident: {
    id: string;
    kind: string;
    title: string;
    summary: string;
    fix: string;
    facts: Record<string, unknown>;
    openedAt: string;
    closedAt: string | null;
  };
  /** Where a person can see the incident (the dashboard), when known. */
  dashboardUrl: string | null;
}

export function alertPayload(format: AlertFormat, message: AlertMessage): Record<string, unknown> {
  switch (format) {
    case 'teams':
      return teamsPayload(message);
    case 'slack':
      return slackPayload(message);
    case 'json':
      return jsonPayload(message);
  }
}

/** "Alert: …" or "Resolved: …", with the connection. */
export function alertHeadline(message: AlertMessage): string {
  const prefix = message.event === 'opened' ? 'Alert' : 'Resolved';
  return `${prefix}: ${message.incident.title} (cosell connection ${message.connectionId})`;
}

/** The body text: what is wrong and what to do, or how long it lasted. */
function alertLines(message: AlertMessage): { text: string; next: string } {
  const { incident } = message;
  if (message.event === 'opened') return { text: incident.summary, next: `What to do: ${incident.fix}` };
  const lasted = incident.closedAt
    ? formatDuration(Date.parse(incident.closedAt) - Date.parse(incident.openedAt))
    : 'an unknown time';
  return {
    text: `This has cleared. It lasted ${lasted}.`,
    next: `What was seen: ${incident.summary}`,
  };
}

function timesFacts(message: AlertMessage): { title: string; value: string }[] {
  const { incident } = message;
  return [
    { title: 'Connection', value: message.connectionId },
    { title: 'Opened', value: incident.openedAt },
    ...(incident.closedAt ? [{ title: 'Resolved', value: incident.closedAt }] : []),
  ];
}

function teamsPayload(message: AlertMessage): Record<string, unknown> {
  const lines = alertLines(message);
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body: [
            {
              type: 'TextBlock',
              text: alertHeadline(message),
              weight: 'Bolder',
              size: 'Medium',
              color: message.event === 'opened' ? 'Attention' : 'Good',
              wrap: true,
            },
            { type: 'TextBlock', text: lines.text, wrap: true },
            { type: 'TextBlock', text: lines.next, wrap: true, isSubtle: message.event === 'resolved' },
            { type: 'FactSet', facts: timesFacts(message) },
          ],
          ...(message.dashboardUrl
            ? {
                actions: [{ type: 'Action.OpenUrl', title: 'Open the dashboard', url: message.dashboardUrl }],
              }
            : {}),
        },
      },
    ],
  };
}

/** Slack mrkdwn treats &, < and > as control characters. */
function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

const SLACK_HEADER_MAX = 150;

function slackPayload(message: AlertMessage): Record<string, unknown> {
  const headline = alertHeadline(message);
  const lines = alertLines(message);
  const header =
    headline.length > SLACK_HEADER_MAX ? `${headline.slice(0, SLACK_HEADER_MAX - 1)}…` : headline;
  return {
    text: slackEscape(`${headline}. ${lines.text}`),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: header } },
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(lines.text) } },
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(lines.next) } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: slackEscape(
              timesFacts(message)
                .map((fact) => `${fact.title}: ${fact.value}`)
                .join(' · '),
            ),
          },
        ],
      },
      ...(message.dashboardUrl
        ? [
            {
              type: 'actions',
              elements: [
                {
                  type: 'button',
                  text: { type: 'plain_text', text: 'Open the dashboard' },
                  url: message.dashboardUrl,
                },
              ],
            },
          ]
        : []),
    ],
  };
}

function jsonPayload(message: AlertMessage): Record<string, unknown> {
  return {
    source: 'cosell-connector',
    event: message.event,
    connectionId: message.connectionId,
    headline: alertHeadline(message),
    incident: message.incident,
    dashboardUrl: message.dashboardUrl,
  };
}
