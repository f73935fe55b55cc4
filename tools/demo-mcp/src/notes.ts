/** One note of the notes server. */
export interface Note {
  readonly id: string;
  readonly text: string;
}

/** The notes a fresh server starts with; the second carries an e-mail address and a card number, for masking. */
export const SEED_NOTES: readonly string[] = [
  'Invoices: send the March invoices to finance before Friday.',
  'Call with Ada Lovelace: she asked to replace the card on file. Reach her at ada@example.com; new card 4111 1111 1111 1111.',
  'Standup: the gateway review is on Thursday; bring the audit numbers.',
];

/** Notes kept in memory for the life of the process; ids are `note-1`, `note-2`, … */
export class InMemoryNotes {
  private readonly notes: Note[] = [];

  constructor(seed: readonly string[] = SEED_NOTES) {
    for (const text of seed) this.add(text);
  }

  add(text: string): string {
    const id = `note-${this.notes.length + 1}`;
    this.notes.push({ id, text });
    return id;
  }

  read(id: string): Note | undefined {
    return this.notes.find((note) => note.id === id);
  }

  /** Notes whose text contains the query, ignoring case; an empty query matches every note. */
  search(query: string): readonly Note[] {
    const needle = query.toLowerCase();
    return this.notes.filter((note) => note.text.toLowerCase().includes(needle));
  }
}
