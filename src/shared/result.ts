/** Expected domain outcomes are values, not exceptions. Plain objects so they serialise into rows and logs. */
export interface DomainError {
  code: string;
  message: string;
  /** Where the problem is, e.g. a field path or mapping-file line. */
  path?: string;
}

export type Result<T, E = DomainError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = <E = DomainError>(error: E): Result<never, E> => ({ ok: false, error });
