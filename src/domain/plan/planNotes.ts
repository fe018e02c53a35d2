import type { CoSellDeal } from '../coSellDeal.ts';
import type { SalesforceNoteWrite } from '../dealPlan.ts';
import type { Mapping } from '../mapping/mappingSchema.ts';

/** Title of the note that shows Microsoft's own notes (inviteContext.notes) on the opportunity. */
export const MICROSOFT_NOTE_TITLE = 'Note from Microsoft';

/**
 * Notes that live in ContentNotes rather than fields: the deal notes when the mapping keeps them in a note, and
 * Microsoft's invitation notes, shown on the opportunity whenever they are new or changed.
 */
export function planNotes(
  mapping: Mapping,
  notesAvailable: boolean,
  deal: CoSellDeal,
  base: CoSellDeal | null,
  changedFields: readonly string[],
): SalesforceNoteWrite[] {
  if (!notesAvailable) return [];
  const notes: SalesforceNoteWrite[] = [];
  if (mapping.notes.target === 'contentNote' && changedFields.includes('notes') && deal.notes)
    notes.push({ title: mapping.notes.noteTitle, text: deal.notes });
  if (deal.inviteNotes && deal.inviteNotes !== base?.inviteNotes)
    notes.push({ title: MICROSOFT_NOTE_TITLE, text: deal.inviteNotes });
  return notes;
}
