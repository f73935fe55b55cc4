#!/usr/bin/env node
// The notes MCP server on stdin/stdout. It refuses to start without NOTES_KEY (the secret the
// gateway passes it), so a test can prove the gateway gives a stdio server its env and nothing else.
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { notesServer } from './catalog.js';

if (!process.env.NOTES_KEY) {
  process.stderr.write('notes: NOTES_KEY must be set\n');
  process.exit(2);
}
await notesServer().connect(new StdioServerTransport());
