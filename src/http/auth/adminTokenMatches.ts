/**
 * The admin API's bearer-token comparison (server.adminToken): constant time over fixed-length SHA-256 digests,
 * so neither the token's content nor its length leaks through timing. The hook that uses it, with the limit on
 * wrong tokens per client address, is apiAccessHook (src/http/auth/apiAccess.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** True when the Authorization header is `Bearer <expected>`; constant time in the token. */
export function adminTokenMatches(expected: string, authorization: string | undefined): boolean {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '';
  // Both sides are always hashed and compared, even when no token was sent.
  const same = timingSafeEqual(digest(presented), digest(expected));
  return same && presented !== '';
}
