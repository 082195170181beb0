#!/usr/bin/env node
// The `keyseed` command: the compiled CLI (built by `npm install` / `npm run build`).
require('../dist/apps/cli/src/main.js');
