#!/usr/bin/env node
// The `aureus` command. A built tree (npm run build) runs as plain JavaScript; a source checkout
// runs the TypeScript directly through tsx so `npm install && npm start` needs no build step.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
