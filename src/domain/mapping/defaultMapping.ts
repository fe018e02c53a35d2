import { type Mapping, mappingSchema } from './mappingSchema.ts';

const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
};

/**
 * The default mapping (DESIGN §4 + §8): the package's field API names, stages Prospecting (on hold) →
 * Qualification (accepted) → Closed Won / Closed Lost, notes in Description, multi-currency, no name mark.
 * Deeply frozen; build variations with `mergeWithDefaults`.
 */
export const defaultMapping: Mapping = deepFreeze(mappingSchema.parse({}));
