import type { CoSellDeal } from '../domain/coSellDeal.ts';
import type { DealSyncDeps } from './dealSyncContext.ts';

/** Title of the note that shows Microsoft's own notes (inviteContext.notes) on the opportunity. */
export const MICROSOFT_NOTE_TITLE = 'Note from Microsoft';

/**
 * Notes that live in ContentNotes rather than fields: the deal notes when the mapping keeps them in a note,
 * and Microsoft's invitation notes, shown on the opportunity whenever they are new or changed.
 */
export async function writeNotes(
  deps: DealSyncDeps,
  opportunityId: string,
  deal: CoSellDeal,
  base: CoSellDeal | null,
  changedFields: readonly string[],
): Promise<void> {
  const { mapping } = deps;
  const wantsDealNote =
    mapping.notes.target === 'contentNote' && changedFields.includes('notes') && deal.notes;
  const wantsInviteNote = deal.inviteNotes && deal.inviteNotes !== base?.inviteNotes;
  if (!wantsDealNote && !wantsInviteNote) return;
  if (!(await deps.salesforce.notesAvailable())) return;
  if (wantsDealNote && deal.notes)
    await deps.salesforce.writeNote(opportunityId, mapping.notes.noteTitle, deal.notes);
  if (wantsInviteNote && deal.inviteNotes)
    await deps.salesforce.writeNote(opportunityId, MICROSOFT_NOTE_TITLE, deal.inviteNotes);
}
