/**
 * Child records of a batch of opportunities, in bulk: customer contacts (an existing contact with the email is
 * reused, on the deal's account first — on a linked opportunity it takes the deal's details —, else one is created)
 * and their contact roles, Microsoft solutions, and opportunity team members (users matched by email). A refused record is reported on its own deal; the rest of
 * the batch goes on.
 */
import type { SalesforceWrites } from '../domain/dealPlan.ts';
import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import type { SalesforceWriteError, SalesforceWriteResult } from '../sync/syncPorts.ts';
import type { SalesforceClient, SalesforceRecordInput, SaveOutcome } from './salesforceClient.ts';
import { chunks, unique, writeErrorOf } from './salesforceDealGateway.ts';
import { soqlString } from './soqlLiteral.ts';

export const emailKey = (value: unknown): string =>
  typeof value === 'string' ? value.trim().toLowerCase() : '';

interface Write {
  index: number;
  what: string;
  record: SalesforceRecordInput;
}

/** The deal field a child record belongs to, by what it is. */
const dealFieldOf = (what: string): string =>
  what.includes('solution') ? 'solutions' : what.includes('team') ? 'partnerTeam' : 'customerContacts';

/** A contact the org already has with one of the batch's emails. */
interface ExistingContact {
  Id: string;
  AccountId: string | null;
  email: string;
}

/** What the batch's child records are matched against: contacts and users by email. */
export interface ChildMatches {
  contacts: ExistingContact[];
  /** Active user id by email (Team Selling only). */
  users: Map<string, string>;
}

/**
 * The batch's existing contacts and team users, found by email in a query or two per 200 emails. Nothing the batch
 * writes before its child records is a contact or a user, so this runs beside the account and opportunity writes.
 */
export async function findChildMatches(
  client: SalesforceClient,
  mapping: Mapping,
  teamSelling: boolean,
  items: readonly SalesforceWrites[],
): Promise<ChildMatches> {
  const { contacts } = mapping;
  const children = items.flatMap((item) => (item.children ? [item.children] : []));
  const emails = unique(
    children.flatMap((child) => child.contactsToAdd.map((c) => emailKey(c[contacts.emailField]))),
  );
  const teamEmails = teamSelling
    ? unique(children.flatMap((child) => child.teamEmailsToAdd.map(emailKey)))
    : [];
  const findContacts = async () => {
    const existing: ExistingContact[] = [];
    for (const batch of chunks(emails)) {
      const rows = await client.queryAll<Record<string, unknown>>(
        `SELECT Id, AccountId, ${contacts.emailField} FROM Contact WHERE ${contacts.emailField} IN (${batch.map(soqlString).join(', ')}) ORDER BY CreatedDate`,
      );
      for (const row of rows)
        existing.push({
          Id: String(row['Id']),
          AccountId: typeof row['AccountId'] === 'string' ? row['AccountId'] : null,
          email: emailKey(row[contacts.emailField]),
        });
    }
    return existing;
  };
  const findUsers = async () => {
    const users = new Map<string, string>();
    for (const batch of chunks(teamEmails)) {
      const rows = await client.queryAll<{ Id: string; Email: string }>(
        `SELECT Id, Email FROM User WHERE IsActive = true AND Email IN (${batch.map(soqlString).join(', ')})`,
      );
      for (const row of rows) if (!users.has(emailKey(row.Email))) users.set(emailKey(row.Email), row.Id);
    }
    return users;
  };
  const [existing, users] = await Promise.all([findContacts(), findUsers()]);
  return { contacts: existing, users };
}

/** A child record Salesforce refused, on the deal that wanted it. */
interface Refusal {
  index: number;
  what: string;
  error: SalesforceWriteError;
}

/** The batch's new contacts: created ids by email, and why Salesforce refused the others (by email). */
export interface NewContacts {
  ids: Map<string, string>;
  refused: Map<string, SalesforceWriteError>;
}

/**
 * Creates the contacts the batch's deals name that the org does not have yet (by email; once per email and account),
 * on the deal's account. A contact needs its account, not its opportunity: this runs beside the opportunity writes.
 */
export async function createNewContacts(
  client: SalesforceClient,
  mapping: Mapping,
  items: readonly SalesforceWrites[],
  accounts: readonly ({ id: string | null } | null)[],
  matches: ChildMatches,
): Promise<NewContacts> {
  const { contacts } = mapping;
  const known = new Set(matches.contacts.map((row) => row.email).filter((email) => email !== ''));
  const newContacts = new Map<string, Write>(); // email|account → the contact to create
  items.forEach((item, index) => {
    const accountId = accounts[index]?.id ?? item.accountId;
    for (const contact of item.children?.contactsToAdd ?? []) {
      const email = emailKey(contact[contacts.emailField]);
      if (known.has(email) || newContacts.has(`${email}|${accountId}`)) continue;
      newContacts.set(`${email}|${accountId}`, {
        index,
        what: `the contact ${email}`,
        record: { ...contact, ...(accountId ? { AccountId: accountId } : {}) },
      });
    }
  });
  const writes = [...newContacts.values()];
  const created: NewContacts = { ids: new Map(), refused: new Map() };
  if (writes.length === 0) return created;
  const outcomes = await client.createMany(
    'Contact',
    writes.map((write) => write.record),
  );
  writes.forEach((write, i) => {
    const outcome = outcomes[i]!;
    const email = emailKey(write.record[contacts.emailField]);
    if (outcome.ok) created.ids.set(email, outcome.value.id);
    else created.refused.set(email, writeErrorOf(outcome)!);
  });
  return created;
}

export async function writeChildRecords(
  client: SalesforceClient,
  mapping: Mapping,
  teamSelling: boolean,
  items: readonly SalesforceWrites[],
  accounts: readonly ({ id: string | null } | null)[],
  results: SalesforceWriteResult[],
  matches: ChildMatches,
  newContacts: NewContacts,
): Promise<void> {
  const { contacts, solutions, team } = mapping;
  const live = items
    .map((item, index) => ({ item, index, opportunityId: results[index]!.opportunityId }))
    .filter(
      (entry): entry is { item: SalesforceWrites; index: number; opportunityId: string } =>
        entry.opportunityId !== null && entry.item.children !== null,
    );
  if (live.length === 0) return;
  // Independent parts are written at once (contact roles, solutions, team members); what each part could not
  // write is reported on its deal in this fixed order, whichever answer came first.
  const refusals = {
    contacts: [] as Refusal[],
    solutions: [] as Refusal[],
    team: [] as Refusal[],
    removals: [] as Refusal[],
  };
  const save = async (
    part: Refusal[],
    writes: readonly Write[],
    send: (records: SalesforceRecordInput[]) => Promise<SaveOutcome[]>,
  ) => {
    if (writes.length === 0) return [];
    const outcomes = await send(writes.map((write) => write.record));
    outcomes.forEach((outcome, i) => {
      const error = writeErrorOf(outcome);
      if (error) part.push({ index: writes[i]!.index, what: writes[i]!.what, error });
    });
    return outcomes;
  };
  const accountOf = (entry: (typeof live)[number]) => accounts[entry.index]?.id ?? entry.item.accountId;

  const writeContacts = async () => {
    // Customer contacts: found by email before the writes (findChildMatches) or just created (createNewContacts);
    // their roles on the saved opportunities.
    const existing = matches.contacts;
    const roles: {
      index: number;
      opportunityId: string;
      email: string;
      accountId: string | null;
      /** The deal's details, for a contact found by email on an opportunity already linked. */
      fields: SalesforceRecordInput | null;
    }[] = [];
    for (const entry of live) {
      const accountId = accountOf(entry);
      for (const contact of entry.item.children!.contactsToAdd) {
        const linked = entry.item.opportunity?.op === 'update';
        roles.push({
          index: entry.index,
          opportunityId: entry.opportunityId,
          email: emailKey(contact[contacts.emailField]),
          accountId,
          fields: linked ? contact : null,
        });
      }
    }
    const createdIds = newContacts.ids;
    const roleWrites: Write[] = [];
    // On a linked opportunity, a contact found by email takes the deal's details, as one already on it does (a new
    // opportunity's follow-up sync brings the existing contact's details to Partner Center instead).
    const reused = new Map<string, Write>();
    for (const role of roles) {
      const match = existing.filter((row) => role.email !== '' && row.email === role.email);
      const found = (match.find((row) => row.AccountId === role.accountId) ?? match[0])?.Id;
      const contactId = found ?? createdIds.get(role.email);
      if (!contactId) {
        // Its create was refused: said on every saved deal that names it (a deal that failed as a whole says that).
        const error = newContacts.refused.get(role.email);
        if (error) refusals.contacts.push({ index: role.index, what: `the contact ${role.email}`, error });
        continue;
      }
      if (found && role.fields)
        reused.set(found, {
          index: role.index,
          what: `the contact ${role.email}`,
          record: { ...role.fields, Id: found },
        });
      roleWrites.push({
        index: role.index,
        what: `the contact role of ${role.email}`,
        record: { OpportunityId: role.opportunityId, ContactId: contactId, Role: contacts.role },
      });
    }
    await save(refusals.contacts, roleWrites, (records) =>
      client.createMany('OpportunityContactRole', records),
    );
    const contactUpdates = new Map<string, Write>(reused);
    for (const entry of live)
      for (const update of entry.item.children!.contactsToUpdate)
        contactUpdates.set(update.contactId, {
          index: entry.index,
          what: `the contact ${update.contactId}`,
          record: { ...update.fields, Id: update.contactId },
        });
    await save(refusals.contacts, [...contactUpdates.values()], (records) =>
      client.updateMany('Contact', records),
    );
  };

  const writeSolutions = async () => {
    // Microsoft solutions.
    await save(
      refusals.solutions,
      live.flatMap((entry) =>
        entry.item.children!.solutionsToAdd.map((solution) => ({
          index: entry.index,
          what: 'a Microsoft solution record',
          record: { ...solution, [solutions.parentField]: entry.opportunityId },
        })),
      ),
      (records) => client.createMany(solutions.object, records),
    );
    await save(
      refusals.solutions,
      live.flatMap((entry) =>
        entry.item.children!.solutionsToUpdate.map((update) => ({
          index: entry.index,
          what: 'a Microsoft solution record',
          record: { ...update.fields, Id: update.id },
        })),
      ),
      (records) => client.updateMany(solutions.object, records),
    );
  };

  const writeTeam = async () => {
    // Team members: users found by email before the writes (findChildMatches).
    const { users } = matches;
    await save(
      refusals.team,
      live.flatMap((entry) =>
        teamSelling
          ? entry.item.children!.teamEmailsToAdd.flatMap((email) => {
              // No Salesforce user with that email: the partner seller stays on the referral only.
              const userId = users.get(emailKey(email));
              return userId
                ? [
                    {
                      index: entry.index,
                      what: `the team member ${email}`,
                      record: {
                        OpportunityId: entry.opportunityId,
                        UserId: userId,
                        TeamMemberRole: team.role,
                        OpportunityAccessLevel: team.accessLevel,
                      },
                    },
                  ]
                : [];
            })
          : [],
      ),
      (records) => client.createMany('OpportunityTeamMember', records),
    );
  };

  await Promise.all([writeContacts(), writeSolutions(), writeTeam()]);
  // Removals, one collection call per object.
  const removals: [string, (changes: NonNullable<SalesforceWrites['children']>) => string[], string][] = [
    ['OpportunityContactRole', (changes) => changes.contactRolesToRemove, 'a contact role'],
    [solutions.object, (changes) => changes.solutionIdsToRemove, 'a Microsoft solution record'],
    ['OpportunityTeamMember', (changes) => changes.teamMemberIdsToRemove, 'a team member'],
  ];
  await Promise.all(
    removals.map(([object, idsOf, what]) => {
      const writes = live.flatMap((entry) =>
        idsOf(entry.item.children!).map((Id) => ({ index: entry.index, what, record: { Id } })),
      );
      return save(refusals.removals, writes, () =>
        client.deleteMany(
          object,
          writes.map((write) => String(write.record['Id'])),
        ),
      );
    }),
  );
  for (const { index, what, error } of [
    ...refusals.contacts,
    ...refusals.solutions,
    ...refusals.team,
    ...refusals.removals,
  ])
    results[index]!.dropped.push({ fields: [], what, dealField: dealFieldOf(what), error });
}
