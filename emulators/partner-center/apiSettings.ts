/**
 * How the emulated Referrals API behaves where Microsoft's service may differ from its docs, switchable per test or
 * demo: `undocumentedFilters` (see undocumentedFilterPolicy.ts). Start options set the initial values; the control
 * API (`GET`/`POST /__emulator/settings`) changes them; reset restores the start options.
 */
import { z } from 'zod';
import { type UndocumentedFilterMode, undocumentedFilterModeSchema } from './undocumentedFilterPolicy.ts';

export const apiSettingsSchema = z.strictObject({
  undocumentedFilters: undocumentedFilterModeSchema.default('evaluate'),
});
export type ApiSettingsValues = z.output<typeof apiSettingsSchema>;
export type ApiSettingsInput = z.input<typeof apiSettingsSchema>;

/** A list query that named fields Microsoft does not document as filterable. */
export interface UndocumentedFilterQuery {
  filter: string;
  fields: string[];
  mode: UndocumentedFilterMode;
  at: string;
}

const MAX_NOTED_QUERIES = 100;

export class ApiSettings {
  values: ApiSettingsValues;
  /** The latest list queries (at most 100, oldest first) that filtered on undocumented fields. */
  undocumentedFilterQueries: UndocumentedFilterQuery[] = [];

  constructor(private readonly initial: ApiSettingsInput = {}) {
    this.values = apiSettingsSchema.parse(initial);
  }

  /** Changes the settings named in `input` and keeps the others; an invalid input changes nothing. */
  set(input: unknown): { ok: true } | { ok: false; message: string } {
    const given = input !== null && typeof input === 'object' ? input : {};
    const parsed = apiSettingsSchema.safeParse({ ...this.values, ...given });
    if (!parsed.success) return { ok: false, message: z.prettifyError(parsed.error) };
    this.values = parsed.data;
    return { ok: true };
  }

  noteUndocumentedFilter(query: UndocumentedFilterQuery): void {
    this.undocumentedFilterQueries.push(query);
    if (this.undocumentedFilterQueries.length > MAX_NOTED_QUERIES) this.undocumentedFilterQueries.shift();
  }

  view(): ApiSettingsValues & { undocumentedFilterQueries: UndocumentedFilterQuery[] } {
    return { ...this.values, undocumentedFilterQueries: [...this.undocumentedFilterQueries] };
  }

  reset(): void {
    this.values = apiSettingsSchema.parse(this.initial);
    this.undocumentedFilterQueries = [];
  }
}
