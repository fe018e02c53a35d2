/** End-to-end latency both ways on one sandbox: Partner Center → Salesforce, then Salesforce → Partner Center. */
import type { Benchmark } from './benchmark.ts';
import { startBenchSandbox } from './benchSandbox.ts';
import { measurePartnerCenterToSalesforce } from './partnerCenterToSalesforceLatency.ts';
import { measureSalesforceToPartnerCenter } from './salesforceToPartnerCenterLatency.ts';

export const endToEndLatency: Benchmark = {
  name: 'e2e',
  description: 'time until a change on one side is visible on the other (sandbox, embedded store and queue)',
  async run(context) {
    const sandbox = await startBenchSandbox();
    try {
      const inbound = await measurePartnerCenterToSalesforce(sandbox, context);
      const outbound = await measureSalesforceToPartnerCenter(sandbox, context);
      return [inbound, outbound];
    } finally {
      await sandbox.stop();
    }
  },
};
