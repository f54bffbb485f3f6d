#!/usr/bin/env node
// Runs the test files named on the command line, in that order, with node's built-in test runner
// (run() from node:test, TAP on stdout with its summary lines), `TEST_CONCURRENCY` (default 2)
// files at a time. Started by scripts/test.mjs under `--import tsx`, which the test processes
// inherit. run() keeps the order it is given, where `node --test <files>` sorts them: so the
// files that take minutes can start first instead of running alone at the end.
import { run } from 'node:test';
import { tap } from 'node:test/reporters';

const files = process.argv.slice(2);
const concurrency = Number(process.env.TEST_CONCURRENCY ?? '2');
// forceExit: a test file whose tests have all finished ends even if a client it used still holds
// a handle (a leak is a bug to fix, but it must not hang the whole run)
const stream = run({ files, concurrency, forceExit: true });
stream.on('test:fail', () => { process.exitCode = 1; });
stream.compose(tap).pipe(process.stdout);
