#!/usr/bin/env node
// Entry point of `kph`: load the TypeScript sources through tsx and run the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
