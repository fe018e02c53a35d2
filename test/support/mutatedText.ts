/** fast-check arbitraries for hostile text input: random strings, and valid samples with random edits. */
import fc from 'fast-check';

/** Characters that matter to query grammars, mixed with anything else. */
const grammarChars = fc.constantFrom(
  ...` ()'",/:=<>!*.-_%\\\n\t0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ`.split(''),
);

const edit = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.string({ unit: grammarChars, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 12 }),
  }),
);

type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(text: string, change: Edit): string {
  const at = text.length === 0 ? 0 : change.at % (text.length + 1);
  if (change.kind === 'insert') return text.slice(0, at) + change.text + text.slice(at);
  if (change.kind === 'delete') return text.slice(0, at) + text.slice(at + change.length);
  return text.slice(0, at) + text.slice(at, at + change.length).repeat(2) + text.slice(at + change.length);
}

/** Valid samples with 1–5 random inserts, deletes or duplications; plus random grammar-heavy and unicode text. */
export function hostileText(samples: readonly string[]): fc.Arbitrary<string> {
  const mutated = fc
    .tuple(fc.constantFrom(...samples), fc.array(edit, { minLength: 1, maxLength: 5 }))
    .map(([sample, edits]) => edits.reduce(applyEdit, sample));
  return fc.oneof(
    mutated,
    fc.string({ unit: grammarChars, maxLength: 120 }),
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.constantFrom(...samples),
  );
}
