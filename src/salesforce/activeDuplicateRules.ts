/**
 * The active duplicate rules on the objects the connector creates records of (Account, Contact, Lead). SOQL
 * shows that a rule exists, not whether it blocks or only alerts (that is metadata), so doctor only informs.
 */
import { UpstreamError } from '../shared/upstreamError.ts';
import type { SalesforceClient } from './salesforceClient.ts';
import { soqlString } from './soqlLiteral.ts';

export interface ActiveDuplicateRule {
  name: string;
  object: string;
}

/** Null when the org does not let the integration user read duplicate rules. */
export async function activeDuplicateRules(
  client: SalesforceClient,
  objects: readonly string[],
): Promise<ActiveDuplicateRule[] | null> {
  try {
    const rows = await client.queryAll<{ DeveloperName: string; SobjectType: string }>(
      `SELECT DeveloperName, SobjectType FROM DuplicateRule WHERE IsActive = true AND SobjectType IN (${objects.map(soqlString).join(', ')}) ORDER BY SobjectType, DeveloperName`,
    );
    return rows.map((row) => ({ name: row.DeveloperName, object: row.SobjectType }));
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'permanent') return null;
    throw error;
  }
}
