/**
 * Server-side dashboard sign-ins. The browser holds a random value in a cookie; the store keeps only its
 * SHA-256 with the row's expiry, so sessions work across several `cosell serve` processes, end for good on
 * sign-out, and a forged or expired cookie finds nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock.ts';
import type { DashboardSessionKind, DashboardSessionRepository } from '../../store/store.ts';
import type { DashboardUser } from './signInPolicy.ts';

/** A "Sign in with Microsoft" in progress: what the callback must find to accept Microsoft's answer. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  /** The dashboard view the person was on (`#/deals`), to return to. */
  returnTo: string;
}

const SIGN_IN_MINUTES = 10;

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a cookie value. */
export function sessionIdHash(cookieValue: string): string {
  return createHash('sha256').update(cookieValue).digest('base64url');
}

export class DashboardSessions {
  constructor(
    private readonly rows: DashboardSessionRepository,
    private readonly connectionId: string,
    private readonly clock: Clock,
    readonly sessionSeconds: number,
  ) {}

  static readonly signInSeconds = SIGN_IN_MINUTES * 60;

  private async create(kind: DashboardSessionKind, data: unknown, seconds: number): Promise<string> {
    const now = this.clock.now();
    // A good moment to forget rows nobody can use any more.
    await this.rows.deleteExpired(now.toISOString());
    const value = randomToken();
    await this.rows.insert({
      idHash: sessionIdHash(value),
      connectionId: this.connectionId,
      kind,
      data,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + seconds * 1000).toISOString(),
    });
    return value;
  }

  private async find(kind: DashboardSessionKind, cookieValue: string | null): Promise<unknown> {
    if (!cookieValue) return null;
    const row = await this.rows.get(sessionIdHash(cookieValue));
    if (!row || row.kind !== kind || row.connectionId !== this.connectionId) return null;
    return new Date(row.expiresAt).getTime() > this.clock.now().getTime() ? row.data : null;
  }

  /** Records a sign-in on its way; returns the value for the browser's sign-in cookie. */
  beginSignIn(pending: PendingSignIn): Promise<string> {
    return this.create('sign_in', pending, DashboardSessions.signInSeconds);
  }

  /** The pending sign-in for this cookie, used up (a second callback with it finds nothing). */
  async takeSignIn(cookieValue: string | null): Promise<PendingSignIn | null> {
    const pending = (await this.find('sign_in', cookieValue)) as PendingSignIn | null;
    if (!pending || !cookieValue) return null;
    return (await this.rows.delete(sessionIdHash(cookieValue))) ? pending : null;
  }

  /** Starts a session for the user; returns the value for the browser's session cookie. */
  start(user: DashboardUser): Promise<string> {
    return this.create('session', user, this.sessionSeconds);
  }

  /** The signed-in user of this cookie, or null (none, forged, expired or signed out). */
  async user(cookieValue: string | null): Promise<DashboardUser | null> {
    return (await this.find('session', cookieValue)) as DashboardUser | null;
  }

  async end(cookieValue: string | null): Promise<void> {
    if (cookieValue) await this.rows.delete(sessionIdHash(cookieValue));
  }
}
