import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

let updated = false;

/**
 * Makes sure a Debian package is installed, installing it with apt-get when running as root;
 * otherwise fails with the command an operator should run. `probe` is a file the package provides.
 */
export function ensureDebianPackage(pkg: string, probe: string): void {
  if (existsSync(probe)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${probe} is missing: install it with "sudo apt-get install -y ${pkg}" and run the tests again`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // test files run in parallel processes: one waits for another's apt-get instead of failing on its lock
  const wait = ['-o', 'DPkg::Lock::Timeout=300'];
  if (!updated) {
    spawnSync('apt-get', [...wait, 'update', '-qq'], { stdio: 'ignore', env });
    updated = true;
  }
  execFileSync('apt-get', [...wait, 'install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (!existsSync(probe)) throw new Error(`apt-get installed ${pkg} but ${probe} is still missing`);
}
