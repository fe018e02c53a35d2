/** Who may log in: the two built-in users with their fixed passwords (REST-created users have none). */
import { timingSafeEqual } from 'node:crypto';
import type { SfRecord } from './objectSchema.ts';
import { ADMIN_PASSWORD, INTEGRATION_PASSWORD } from './orgState.ts';
import type { SalesforceOrg } from './salesforceOrg.ts';

export function secretsEqual(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function activeUserByUsername(org: SalesforceOrg, username: string | undefined): SfRecord | undefined {
  if (!username) return undefined;
  const wanted = username.toLowerCase();
  return org
    .liveRecords('User')
    .find((user) => String(user['Username']).toLowerCase() === wanted && user['IsActive'] === true);
}

/** The user id when username and password match an active built-in user, else null. */
export function checkPassword(
  org: SalesforceOrg,
  username: string | undefined,
  password: string | undefined,
): string | null {
  const user = activeUserByUsername(org, username);
  if (!user || !password) return null;
  const userId = String(user['Id']);
  const expected =
    userId === org.state.adminUserId
      ? ADMIN_PASSWORD
      : userId === org.state.integrationUserId
        ? INTEGRATION_PASSWORD
        : null;
  return expected !== null && secretsEqual(password, expected) ? userId : null;
}
