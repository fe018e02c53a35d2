/** End-to-end latency both ways on one sandbox: Partner Center → Salesforce, then Salesforce → Partner Center. */
import { sandboxBenchmark } from './benchSandbox.ts';
import { measurePartnerCenterToSalesforce } from './partnerCenterToSalesforceLatency.ts';
import { measureSalesforceToPartnerCenter } from './salesforceToPartnerCenterLatency.ts';

export const endToEndLatency = sandboxBenchmark(
  'e2e',
  'time until a change on one side is visible on the other (sandbox, embedded store and queue)',
  async (sandbox, context) => [
    await measurePartnerCenterToSalesforce(sandbox, context),
    await measureSalesforceToPartnerCenter(sandbox, context),
  ],
);
