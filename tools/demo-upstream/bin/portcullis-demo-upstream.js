#!/usr/bin/env node
// Committed so npm links the command at install time, before the build creates dist/.
try {
  await import('../dist/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/main.js')) {
    process.stderr.write('not built yet: run `npm run build` (or `npm start`) in the repository root first\n');
    process.exit(2);
  }
  throw err;
}
