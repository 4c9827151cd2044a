import type { Note } from './gen/vault.js';

/** NoteStore keeps every user's notes in memory, in the order they were written. */
export class NoteStore {
  private readonly notes = new Map<string, Note[]>();

  add(author: string, text: string): Note {
    const note = { text, author };
    const list = this.notes.get(author) ?? [];
    list.push(note);
    this.notes.set(author, list);
    return note;
  }

  of(author: string): readonly Note[] {
    return this.notes.get(author) ?? [];
  }

  /** clear deletes every note and returns how many there were. */
  clear(): number {
    let count = 0;
    for (const list of this.notes.values()) count += list.length;
    this.notes.clear();
    return count;
  }
}
