#!/usr/bin/env node
// The hookgate CLI. In a checkout it runs the TypeScript sources directly (Node >= 22.18 strips
// types natively); an installed package runs the JavaScript that `npm pack` compiled into dist/node
// (Node does not strip types under node_modules).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/node/cli/main.js', import.meta.url);
const { main } = await import(existsSync(compiled) ? compiled.href : new URL('../src/cli/main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
