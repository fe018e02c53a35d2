/**
 * Salesforce record ids: 3-char key prefix + 12 chars, 15 chars case-sensitive, plus a 3-char
 * case-checksum suffix for the 18-char case-insensitive form the API returns.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID15 = /^[a-zA-Z0-9]{15}$/;
const ID18 = /^[a-zA-Z0-9]{18}$/;

/** The 3-char suffix: one char per 5-char chunk, each bit set where the chunk has an upper-case letter. */
export function idSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let position = 0; position < 5; position += 1) {
      const char = id15.charAt(chunk * 5 + position);
      if (char >= 'A' && char <= 'Z') bits |= 1 << position;
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return suffix;
}

/** Returns the canonical 18-char id for a 15- or 18-char id, or null when the text is not an id. */
export function normalizeId(text: string): string | null {
  if (ID15.test(text)) return text + idSuffix(text);
  if (ID18.test(text)) {
    const id15 = text.slice(0, 15);
    if (text.slice(15).toUpperCase() !== idSuffix(id15)) return null;
    return id15 + idSuffix(id15);
  }
  return null;
}

export function looksLikeId(text: string): boolean {
  return normalizeId(text) !== null;
}

/** Deterministic id for the n-th record of a key prefix (pod "5g", then a base-62 counter). */
export function makeId(keyPrefix: string, sequence: number): string {
  let counter = '';
  let rest = sequence;
  do {
    counter = BASE62.charAt(rest % 62) + counter;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  const id15 = `${keyPrefix}5g${'0'.repeat(10 - counter.length)}${counter}`;
  return id15 + idSuffix(id15);
}
