#!/usr/bin/env node
// The `latchkey` command: the compiled CLI in dist/ (built by `npm run build`, which `npm ci`,
// `npm start` and `npm pack` run for you).
await import('../dist/cli.js');
