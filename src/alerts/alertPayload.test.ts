import { describe, expect, it } from 'vitest';
import { type AlertMessage, alertPayload } from './alertPayload.ts';

const opened: AlertMessage = {
  event: 'opened',
  connectionId: 'contoso',
  incident: {
    id: '3',
    kind: 'dead_letters',
    title: 'Deals failed to sync',
    summary: '2 jobs failed: <Amount> & more',
    fix: 'Retry them',
    facts: { count: 2 },
    openedAt: '2026-03-01T10:00:00.000Z',
    closedAt: null,
  },
  dashboardUrl: 'https://cosell.example.com',
};
const resolved: AlertMessage = {
  ...opened,
  event: 'resolved',
  incident: { ...opened.incident, closedAt: '2026-03-01T10:42:00.000Z' },
  dashboardUrl: null,
};

describe('alertPayload', () => {
  it('builds a Teams message with one Adaptive Card attachment', () => {
    expect(alertPayload('teams', opened)).toEqual({
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
                text: 'Alert: Deals failed to sync (cosell connection contoso)',
                weight: 'Bolder',
                size: 'Medium',
                color: 'Attention',
                wrap: true,
              },
              { type: 'TextBlock', text: '2 jobs failed: <Amount> & more', wrap: true },
              { type: 'TextBlock', text: 'What to do: Retry them', wrap: true, isSubtle: false },
              {
                type: 'FactSet',
                facts: [
                  { title: 'Connection', value: 'contoso' },
                  { title: 'Opened', value: '2026-03-01T10:00:00.000Z' },
                ],
              },
            ],
            actions: [
              { type: 'Action.OpenUrl', title: 'Open the dashboard', url: 'https://cosell.example.com' },
            ],
          },
        },
      ],
    });
  });

  it('builds a Teams recovery card in green with how long it lasted and no link when none is known', () => {
    const card = (alertPayload('teams', resolved) as { attachments: { content: Record<string, unknown> }[] })
      .attachments[0]!.content;
    expect(card['body']).toEqual([
      expect.objectContaining({
        text: 'Resolved: Deals failed to sync (cosell connection contoso)',
        color: 'Good',
      }),
      { type: 'TextBlock', text: 'This has cleared. It lasted 42 min.', wrap: true },
      {
        type: 'TextBlock',
        text: 'What was seen: 2 jobs failed: <Amount> & more',
        wrap: true,
        isSubtle: true,
      },
      {
        type: 'FactSet',
        facts: [
          { title: 'Connection', value: 'contoso' },
          { title: 'Opened', value: '2026-03-01T10:00:00.000Z' },
          { title: 'Resolved', value: '2026-03-01T10:42:00.000Z' },
        ],
      },
    ]);
    expect(card).not.toHaveProperty('actions');
  });

  it('builds a Slack message with fallback text and blocks, escaping mrkdwn control characters', () => {
    expect(alertPayload('slack', opened)).toEqual({
      text: 'Alert: Deals failed to sync (cosell connection contoso). 2 jobs failed: &lt;Amount&gt; &amp; more',
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: 'Alert: Deals failed to sync (cosell connection contoso)' },
        },
        { type: 'section', text: { type: 'mrkdwn', text: '2 jobs failed: &lt;Amount&gt; &amp; more' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'What to do: Retry them' } },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: 'Connection: contoso · Opened: 2026-03-01T10:00:00.000Z' }],
        },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Open the dashboard' },
              url: 'https://cosell.example.com',
            },
          ],
        },
      ],
    });
  });

  it('keeps a Slack header within its 150 characters', () => {
    const long = { ...opened, incident: { ...opened.incident, title: 'x'.repeat(200) } };
    const header = (alertPayload('slack', long) as { blocks: { text: { text: string } }[] }).blocks[0]!.text
      .text;
    expect(header).toHaveLength(150);
    expect(header.endsWith('…')).toBe(true);
  });

  it('sends the incident itself as plain JSON', () => {
    expect(alertPayload('json', resolved)).toEqual({
      source: 'cosell-connector',
      event: 'resolved',
      connectionId: 'contoso',
      headline: 'Resolved: Deals failed to sync (cosell connection contoso)',
      incident: resolved.incident,
      dashboardUrl: null,
    });
  });
});
