#!/usr/bin/env node
// The notes MCP server on stdin/stdout, for a gateway that starts MCP servers as commands. It
// refuses to start without NOTES_KEY (exit 2), the credential such a gateway injects. stdout
// carries protocol messages only; logs go to stderr.
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import { createLogger } from '@portcullis/service-kit';
import { loadNotesConfig, type NotesConfig } from './config.js';
import { createNotesServer } from './notes-server.js';
import { InMemoryNotes } from './notes.js';

let config: NotesConfig;
try {
  config = loadNotesConfig(process.env);
} catch (err) {
  process.stderr.write(`notes: ${(err as Error).message}\n`);
  process.exit(2);
}
const logger = createLogger('notes', config.logLevel, process.stderr);
// One store for the process: the SDK may build a discarded instance for a server/discover probe.
const notes = new InMemoryNotes();
const handle = serveStdio(() => createNotesServer(notes), {
  transport: new StdioServerTransport(),
  onerror: (err) => logger.warn({ error: err.message }, 'mcp message failed'),
});
logger.info('serving on stdio');
const stop = () => void handle.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
