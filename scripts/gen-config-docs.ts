// Regenerates docs/config.md and .env.example from the config table.
import { writeFileSync } from 'node:fs';
import { renderConfigDocs, renderEnvExample } from '../src/config/docs.js';

writeFileSync('docs/config.md', renderConfigDocs());
writeFileSync('.env.example', renderEnvExample());
console.log('wrote docs/config.md and .env.example');
