import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the process that starts a shared server hands on: its address, how to stop it, and the server itself. */
export interface StartedShared<T> {
  /** what the other test files read back (a port, ports, a bootstrap address) */
  readonly address: string;
  /** shell commands that stop the server, run by the watchdog once the test runner is gone */
  readonly stopCommand: string;
  readonly server: T;
}

/**
 * One server per test run, shared by every test file (each file runs in a process of its own,
 * all children of the test runner): the first process to create the run's folder
 * (`<tmp>/tributary-<name>-shared-<runner pid>`) starts the server through `start` and writes
 * its address; the others wait for that file (or for the `failed` marker the first one leaves
 * when the start fails) and reach the server through `attach`. A detached watchdog stops the
 * server and removes the folder once the test runner has exited, so no test has to know which
 * file was first.
 */
export async function sharedServer<T>(name: string, start: (root: string) => Promise<StartedShared<T>>, attach: (address: string, root: string) => T | Promise<T>, waitMs = 120_000): Promise<T> {
  const root = join(tmpdir(), `tributary-${name}-shared-${process.ppid}`);
  const addressFile = join(root, 'address');
  const failedFile = join(root, 'failed');
  let owner = false;
  try {
    mkdirSync(root);
    owner = true;
  } catch {
    // another test file of this run got there first
  }
  if (owner) {
    try {
      const started = await start(root);
      const watchdog = spawn('sh', ['-c', `while kill -0 ${process.ppid} 2>/dev/null; do sleep 1; done; ${started.stopCommand}; sleep 1; rm -rf ${root}`], { detached: true, stdio: 'ignore' });
      watchdog.unref();
      writeFileSync(`${addressFile}.tmp`, started.address);
      renameSync(`${addressFile}.tmp`, addressFile);
      return started.server;
    } catch (error) {
      writeFileSync(failedFile, String((error as Error).message));
      throw error;
    }
  }
  const deadline = Date.now() + waitMs;
  while (!existsSync(addressFile)) {
    if (existsSync(failedFile)) throw new Error(`the shared ${name} of this run failed to start: ${readFileSync(failedFile, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`the shared ${name} in ${root} did not start within ${Math.round(waitMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return attach(readFileSync(addressFile, 'utf8').trim(), root);
}
