import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertDestinationsFrom } from '../alerts/alertDestinationsFrom.ts';
import { checkConfig, loadConfig } from './loadConfig.ts';

const BASE = `
partnerCenter:
  tenantId: 11111111-2222-3333-4444-555555555555
  clientId: 66666666-7777-8888-9999-000000000000
salesforce:
  auth:
    flow: clientCredentials
    clientId: 3MVG9
    clientSecret: s
`;

function writeConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cosell-alerts-config-')), 'cosell.yaml');
  writeFileSync(file, BASE + text);
  return file;
}

describe('alerts config', () => {
  it('defaults to evaluating every minute with no destinations', () => {
    const { config } = loadConfig({ file: writeConfig(''), env: {} });
    expect(config.alerts).toEqual({ evaluateIntervalSeconds: 60, webhookSilenceMinutes: 60, notify: [] });
  });

  it('reads destinations whose URLs come from the environment, and names them', () => {
    const file = writeConfig(`
alerts:
  webhookSilenceMinutes: 30
  notify:
    - format: teams
      url: \${TEAMS_WEBHOOK_URL}
    - name: ops
      format: slack
      url: \${SLACK_WEBHOOK_URL}
    - format: json
      url: http://127.0.0.1:9000/hook
`);
    const env = {
      TEAMS_WEBHOOK_URL: 'https://contoso.webhook.office.com/webhookb2/abc',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/xyz',
    };
    const { config } = loadConfig({ file, env });
    expect(config.alerts.webhookSilenceMinutes).toBe(30);
    expect(alertDestinationsFrom(config.alerts)).toEqual([
      { name: 'teams-1', format: 'teams', url: 'https://contoso.webhook.office.com/webhookb2/abc' },
      { name: 'ops', format: 'slack', url: 'https://hooks.slack.com/services/T0/B0/xyz' },
      { name: 'json-3', format: 'json', url: 'http://127.0.0.1:9000/hook' },
    ]);
  });

  it('refuses plain http to another host, an unknown format and two destinations with one name, each with its path', () => {
    const file = writeConfig(`
alerts:
  notify:
    - format: teams
      url: http://hooks.example.com/token-in-clear
    - format: discord
      url: https://discord.example.com/x
    - name: ops
      format: slack
      url: https://hooks.slack.com/a
    - name: ops
      format: json
      url: https://example.com/b
`);
    const check = checkConfig({ file, env: {} });
    expect(check.config).toBeNull();
    const byPath = Object.fromEntries(check.problems.map((problem) => [problem.path, problem]));
    expect(Object.keys(byPath).sort()).toEqual([
      'alerts.notify',
      'alerts.notify.0.url',
      'alerts.notify.1.format',
    ]);
    expect(byPath['alerts.notify.0.url']?.message).toContain('must be an https URL');
    expect(byPath['alerts.notify.1.format']?.hint).toBe('use one of: teams, slack, json');
    expect(byPath['alerts.notify']?.message).toContain('same name');
    // The problem report never repeats a URL (they carry tokens).
    expect(JSON.stringify(check.problems)).not.toContain('token-in-clear');
  });
});
