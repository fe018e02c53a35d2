/**
 * Accounts for a batch of new opportunities: each customer is found by DUNS when both the referral and the org
 * have one, else by normalised name + postal code, else created — once per customer, however many deals of the
 * batch name it. A few queries for the whole batch, one collection call for the accounts to create.
 */
import {
  type AccountMatchKey,
  normaliseCompanyName,
  normalisePostalCode,
} from '../domain/mapping/accountMatchKey.ts';
import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import type { SalesforceRecord } from '../domain/salesforceDealSnapshot.ts';
import type { SalesforceWriteError } from '../sync/syncPorts.ts';
import type { SalesforceClient } from './salesforceClient.ts';
import { chunks, unique, writeErrorOf } from './salesforceDealGateway.ts';
import { soqlString } from './soqlLiteral.ts';

export interface AccountRequest {
  match: AccountMatchKey | null;
  fields: SalesforceRecord;
}

export interface AccountResult {
  id: string | null;
  error: SalesforceWriteError | null;
}

export interface AccountKeys {
  duns: string | null;
  /** The DUNS as the customer wrote it (e.g. 12-345-6789): SOQL cannot strip the dashes. */
  dunsAsWritten: string | null;
  name: string | null;
  postalCode: string | null;
}

const LIKE_TERMS_PER_QUERY = 50;

/** How a request's customer is matched: its DUNS, and its normalised name and postal code. */
export function accountKeysOf(mapping: Mapping, request: AccountRequest): AccountKeys {
  const { account } = mapping;
  const name = normaliseCompanyName(String(request.fields[account.nameField] ?? ''));
  const postal = account.postalCodeField
    ? normalisePostalCode(String(request.fields[account.postalCodeField] ?? ''))
    : '';
  const duns = request.match?.kind === 'duns' && account.dunsField ? request.match.duns : null;
  return {
    duns,
    dunsAsWritten: duns && account.dunsField ? String(request.fields[account.dunsField] ?? duns) : null,
    // Without a DUNS match (none on the referral, no DUNS field in the org, or no account with it) the
    // customer is still matched by name and postal code: a returning customer never gets a second account.
    name: request.match?.kind === 'namePostalCode' ? request.match.name : name || null,
    postalCode: request.match?.kind === 'namePostalCode' ? request.match.postalCode : postal || null,
  };
}

const dunsKey = (duns: string) => `duns:${duns}`;
const nameKey = (name: string, postal: string) => `name:${name}|${postal}`;

/** Every key a customer can be matched by: its DUNS, and its name + postal code (either may be missing). */
export const accountMatchKeys = (key: AccountKeys): string[] => [
  ...(key.duns ? [dunsKey(key.duns)] : []),
  ...(key.name && key.postalCode ? [nameKey(key.name, key.postalCode)] : []),
];

/** One customer's identity (DUNS, else name + postal code), or null when it has neither: it cannot be matched. */
export const accountIdentity = (key: AccountKeys): string | null => accountMatchKeys(key)[0] ?? null;

export async function findOrCreateAccounts(
  client: SalesforceClient,
  mapping: Mapping,
  requests: readonly (AccountRequest | null)[],
): Promise<(AccountResult | null)[]> {
  const { account } = mapping;
  const keys = requests.map((request) => (request ? accountKeysOf(mapping, request) : null));
  const found = new Map<string, string>(); // match key → account id

  const dunsForms = unique(keys.flatMap((key) => (key?.duns ? [key.duns, key.dunsAsWritten] : [])));
  if (account.dunsField && dunsForms.length) {
    for (const forms of chunks(dunsForms)) {
      const rows = await client.queryAll<Record<string, unknown>>(
        `SELECT Id, ${account.dunsField} FROM Account WHERE ${account.dunsField} IN (${forms.map(soqlString).join(', ')}) ORDER BY CreatedDate`,
      );
      for (const row of rows) {
        const duns = String(row[account.dunsField] ?? '').replace(/\D/g, '');
        if (duns && !found.has(dunsKey(duns))) found.set(dunsKey(duns), String(row['Id']));
      }
    }
  }
  const resolved = (key: AccountKeys | null): string | null => {
    if (!key) return null;
    if (key.duns && found.has(dunsKey(key.duns))) return found.get(dunsKey(key.duns)) ?? null;
    if (key.name && key.postalCode) return found.get(nameKey(key.name, key.postalCode)) ?? null;
    return null;
  };

  const postalField = account.postalCodeField;
  const byName = keys.filter(
    (key): key is AccountKeys => key !== null && resolved(key) === null && !!key.name && !!key.postalCode,
  );
  const words = unique(byName.map((key) => key.name?.split(' ')[0]));
  if (postalField && words.length) {
    // SOQL cannot normalise: narrow by the first word (LIKE is case-insensitive), compare normalised here.
    for (const terms of chunks(words, LIKE_TERMS_PER_QUERY)) {
      const rows = await client.queryAll<Record<string, unknown>>(
        `SELECT Id, ${account.nameField}, ${postalField} FROM Account WHERE ${terms
          .map((word) => `${account.nameField} LIKE ${soqlString(`%${word}%`)}`)
          .join(' OR ')} ORDER BY CreatedDate LIMIT 2000`,
      );
      for (const row of rows) {
        const key = nameKey(
          normaliseCompanyName(String(row[account.nameField] ?? '')),
          normalisePostalCode(String(row[postalField] ?? '')),
        );
        if (!found.has(key)) found.set(key, String(row['Id']));
      }
    }
  }

  // Create the rest, once per customer of the batch.
  const identity = (key: AccountKeys, index: number): string => accountIdentity(key) ?? `new:${index}`;
  const toCreate = new Map<string, number>(); // identity → index of the request whose fields are used
  keys.forEach((key, index) => {
    if (key && resolved(key) === null && !toCreate.has(identity(key, index)))
      toCreate.set(identity(key, index), index);
  });
  const created = new Map<string, AccountResult>();
  if (toCreate.size) {
    const entries = [...toCreate];
    const outcomes = await client.createMany(
      'Account',
      entries.map(([, index]) => requests[index]!.fields),
    );
    entries.forEach(([id], i) => {
      const outcome = outcomes[i]!;
      created.set(
        id,
        outcome.ok ? { id: outcome.value.id, error: null } : { id: null, error: writeErrorOf(outcome) },
      );
    });
  }
  return keys.map((key, index) => {
    if (!key) return null;
    const id = resolved(key);
    if (id) return { id, error: null };
    return created.get(identity(key, index)) ?? { id: null, error: null };
  });
}
