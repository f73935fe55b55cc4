import { describe, expect, it } from 'vitest';
import { InMemoryNotes } from './notes.js';

describe('InMemoryNotes', () => {
  it('starts with the seed notes, one of them carrying personal data', () => {
    const notes = new InMemoryNotes();
    expect(notes.read('note-1')?.text).toContain('invoices');
    expect(notes.read('note-2')?.text).toMatch(/ada@example\.com.*4111 1111 1111 1111/);
  });

  it('searches without regard to case', () => {
    const notes = new InMemoryNotes(['Alpha one', 'beta two', 'ALPHA three']);
    expect(notes.search('alpha').map((n) => n.id)).toEqual(['note-1', 'note-3']);
    expect(notes.search('')).toHaveLength(3);
    expect(notes.search('gamma')).toEqual([]);
  });

  it('adds notes with the next id', () => {
    const notes = new InMemoryNotes([]);
    expect(notes.add('first')).toBe('note-1');
    expect(notes.add('second')).toBe('note-2');
    expect(notes.read('note-2')).toEqual({ id: 'note-2', text: 'second' });
    expect(notes.read('note-3')).toBeUndefined();
  });
});
