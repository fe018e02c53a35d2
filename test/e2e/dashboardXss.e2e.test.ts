/**
 * Hostile text in deals, made the way it would really arrive (a referral from Partner Center with markup in its
 * name, customer and notes; a Salesforce validation rule whose error message is markup), shown by the dashboard in
 * headless Chromium: nothing runs (no dialog, no global set, no injected element) and the text is shown literally.
 */
import type { Browser, Dialog, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/headlessChromium.ts';
import { inboundReferral, startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';

const PAYLOADS = {
  name: `Deal <script>window.__xssName = 1; alert('name')</script> & "quotes"`,
  account: `Acme <img src=x onerror="window.__xssAccount = 1; alert('account')">`,
  notes: `Notes "><svg onload="window.__xssNotes = 1; alert('notes')"></svg><iframe src="javascript:alert(1)">`,
  error: `Refused <img src=x onerror="window.__xssError = 1; alert('error')"><a href="javascript:alert(2)">fix</a>`,
  erroredName: `Big <b onmouseover="window.__xssBig = 1">deal</b>`,
};
const GLOBALS = ['__xssName', '__xssAccount', '__xssNotes', '__xssError', '__xssBig'];

describe.runIf(hasChromium)('the dashboard shows hostile deal text as text', () => {
  let sandbox: TestSandbox;
  let browser: Browser;
  let safeLinkId: string;
  let refusedLinkId: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    browser = await launchChromium();
    await sandbox.sf('POST', '/__emulator/org-realism', {
      validationRules: [
        {
          object: 'Opportunity',
          name: 'Markup_In_Message',
          errorMessage: PAYLOADS.error,
          errorField: 'Amount',
          condition: { field: 'Amount', op: 'greaterThan', value: 500000 },
          on: ['create', 'update'],
        },
      ],
    });
    const linkOf = async (overrides: Record<string, unknown>, state: 'synced' | 'error') => {
      const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral(overrides));
      const referralId = String(created['id']);
      return waitFor(`the ${state} link of ${referralId}`, async () => {
        const link = await sandbox.connector.store.links.findByReferralId('sandbox', referralId);
        if (state === 'error') {
          const dead = (await sandbox.connector.store.deadLetters.list({ limit: 50 })).some((row) =>
            row.errorMessage.includes('Refused <img'),
          );
          return (link?.state === 'error' || dead) && link ? link.id : null;
        }
        return link?.state === state ? link.id : null;
      });
    };
    const customer = inboundReferral()['customerProfile'] as Record<string, unknown>;
    const details = inboundReferral()['details'] as Record<string, unknown>;
    safeLinkId = await linkOf(
      {
        name: PAYLOADS.name,
        customerProfile: { ...customer, name: PAYLOADS.account },
        details: { ...details, notes: PAYLOADS.notes },
      },
      'synced',
    );
    refusedLinkId = await linkOf(
      { name: PAYLOADS.erroredName, details: { ...details, dealValue: 900000 } },
      'error',
    );
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  /** Opens a view, records dialogs and script errors, and waits for `ready` text. */
  async function open(hash: string, ready: string): Promise<{ page: Page; dialogs: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(20_000);
    const dialogs: string[] = [];
    page.on('dialog', (dialog: Dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${sandbox.urls.connector}/${hash}`);
    await page.getByText(ready, { exact: false }).first().waitFor();
    return { page, dialogs };
  }

  async function expectNothingRan(page: Page, dialogs: string[]): Promise<void> {
    // Hovering every bold element would trigger an onmouseover that had been turned into markup.
    for (const element of await page.locator('main b').all()) await element.hover().catch(() => undefined);
    const state = (await page.evaluate(`(() => ({
      globals: ${JSON.stringify(GLOBALS)}.filter((name) => name in window),
      injected: document.querySelectorAll('main script, main img[src="x"], main svg[onload], main iframe, main [onerror], main [onload], main [onmouseover]').length,
      javascriptLinks: [...document.querySelectorAll('a[href]')].filter((a) => a.getAttribute('href').trim().toLowerCase().startsWith('javascript:')).length,
    }))()`)) as { globals: string[]; injected: number; javascriptLinks: number };
    expect(state).toEqual({ globals: [], injected: 0, javascriptLinks: 0 });
    expect(dialogs).toEqual([]);
  }

  it('lists the deals with their name and account as literal text', async () => {
    const { page, dialogs } = await open('#/deals', PAYLOADS.name);
    const row = page.locator('#deals-table tbody tr', { hasText: PAYLOADS.name });
    expect(await row.locator('.deal-link').textContent()).toBe(PAYLOADS.name);
    expect(await row.locator('td').nth(1).textContent()).toBe(PAYLOADS.account);
    expect(await page.getByText(PAYLOADS.erroredName).count()).toBeGreaterThan(0);
    await expectNothingRan(page, dialogs);
    await page.close();
  });

  it('shows the deal page, notes included, as literal text', async () => {
    const { page, dialogs } = await open(`#/deals/${safeLinkId}`, PAYLOADS.account);
    await page.locator('#compare').getByText(PAYLOADS.notes).first().waitFor();
    expect(await page.locator('#deal-heading').textContent()).toContain(PAYLOADS.name);
    await expectNothingRan(page, dialogs);
    await page.close();
  });

  it('shows the refusal message in the deal page and in Needs attention as literal text', async () => {
    const deal = await open(`#/deals/${refusedLinkId}`, 'Refused <img');
    expect(await deal.page.locator('#view-deal').textContent()).toContain(PAYLOADS.error);
    await expectNothingRan(deal.page, deal.dialogs);
    await deal.page.close();

    const attention = await open('#/attention', 'Refused <img');
    expect(
      await attention.page.locator('#attention-table tbody, #dead-table tbody').allTextContents(),
    ).toEqual(expect.arrayContaining([expect.stringContaining(PAYLOADS.error)]));
    await expectNothingRan(attention.page, attention.dialogs);
    await attention.page.close();
  });
});
