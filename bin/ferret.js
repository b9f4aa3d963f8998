#!/usr/bin/env node
// Runs the TypeScript CLI directly: one code path for development and for `npm link`.
import { register } from 'tsx/esm/api';

register();
await import('../src-main/cli/main.ts');
