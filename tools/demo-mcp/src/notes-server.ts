import { McpServer, type CallToolResult } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { InMemoryNotes } from './notes.js';

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

/** The notes MCP server over the given notes; the stdio entry serves it. */
export function createNotesServer(notes: InMemoryNotes): McpServer {
  const server = new McpServer({ name: 'portcullis-notes', version: '0.1.0' });

  server.registerTool(
    'search_notes',
    { description: 'Find notes containing the query (case-insensitive).', inputSchema: z.object({ query: z.string() }), annotations: { readOnlyHint: true } },
    ({ query }) => {
      const found = notes.search(query);
      return text(found.length === 0 ? 'no notes match' : found.map((note) => `${note.id}: ${note.text}`).join('\n'));
    },
  );

  server.registerTool(
    'read_note',
    { description: 'Read one note by id.', inputSchema: z.object({ id: z.string() }), annotations: { readOnlyHint: true } },
    ({ id }) => {
      const note = notes.read(id);
      return note ? text(note.text) : { ...text(`no note ${id}`), isError: true };
    },
  );

  server.registerTool(
    'add_note',
    { description: 'Add a note; returns its id.', inputSchema: z.object({ text: z.string().min(1) }), annotations: { readOnlyHint: false, destructiveHint: false } },
    ({ text: value }) => text(notes.add(value)),
  );

  return server;
}
