// Copies the non-TypeScript files the built tree needs (SQL migrations) into dist/.
import { cpSync } from 'node:fs';

cpSync('src/platform/db/migrations', 'dist/platform/db/migrations', { recursive: true });
