import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface QuickstartRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** SIGINT after this many seconds (0: let it end by itself) */
  seconds?: number;
  /**
   * how many SIGINTs to send (Ctrl-C pressed repeatedly): each one after the quickstart has
   * answered the one before (signals sent closer together may merge into one on a busy machine)
   */
  interrupts?: number;
  /** run this once the quickstart says it is capturing; the interrupts follow when it resolves */
  whileCapturing?: (child: ChildProcess) => Promise<void>;
  /** stop reading stdout after this many lines (`| head -n`): the quickstart's next write meets a closed pipe */
  closeStdoutAfterLines?: number;
  /** the checkout whose bin/tributary.js runs (default QUICKSTART_CHECKOUT, to see a test fail on an older checkout, else this one) */
  checkout?: string;
  user?: { uid: number; gid: number };
  env?: Record<string, string>;
}

/** What the quickstart says when it has taken the first and the second Ctrl-C. */
const ANSWERS = [/stopping —/, /stopping sooner/];

/**
 * Runs `tributary quickstart` in `cwd` as a user would, from the TypeScript sources, with npm's
 * variables removed (so the commands it prints name the script, runnable from `cwd`), and
 * interrupts it as `options` say.
 */
export function runQuickstart(cwd: string, args: string[], options: RunOptions = {}): Promise<QuickstartRun> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('npm_')) env[k] = v;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(options.checkout ?? process.env.QUICKSTART_CHECKOUT ?? ROOT, 'bin/tributary.js'), 'quickstart', ...args], {
      cwd,
      env: { ...env, TRIBUTARY_FROM_SOURCE: '1', HOME: cwd, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    let lines = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      lines += d.toString().split('\n').length - 1;
      if (options.closeStdoutAfterLines !== undefined && lines >= options.closeStdoutAfterLines) child.stdout.destroy();
    });
    let sent = 0;
    const interrupt = () => {
      sent++;
      child.kill('SIGINT');
    };
    let started = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const answered = ANSWERS[sent - 1];
      if (sent > 0 && sent < (options.interrupts ?? 1) && answered && answered.test(stderr)) interrupt();
      if (!started && /Ctrl-C stops\./.test(stderr)) {
        started = true;
        if (options.whileCapturing) void options.whileCapturing(child).finally(interrupt);
      }
    });
    const seconds = options.seconds ?? 0;
    const timer = seconds > 0 && !options.whileCapturing ? setTimeout(interrupt, seconds * 1000) : undefined;
    const hardStop = setTimeout(() => child.kill('SIGKILL'), (seconds + 180) * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      clearTimeout(hardStop);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The `lake query … --table …` commands the quickstart printed at exit. */
export function printedLakeCommands(stdout: string): string[] {
  return [...stdout.matchAll(/^ {2}(\S.* lake query .* --table \S+)$/gm)].map((m) => m[1]);
}

/** Runs a printed command through the shell in `cwd`, as the user would paste it, with JSON output. */
export function runPrinted(command: string, cwd: string, user?: { uid: number; gid: number }): Record<string, unknown>[] {
  const out = execFileSync('sh', ['-c', `${command} --format json`], { cwd, env: { ...process.env, TRIBUTARY_FROM_SOURCE: '1' }, encoding: 'utf8', ...(user ?? {}) });
  return out.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Processes (pids) running a PostgreSQL server on `dataDir`, found by their command line. */
export function postgresProcessesOn(dataDir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const argv = cmdline.split('\0');
    const state = (() => { try { return readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.[0]; } catch { return undefined; } })();
    if (state !== 'Z' && argv[0].endsWith('/postgres') && argv.includes(dataDir)) pids.push(Number(name));
  }
  return pids;
}

/**
 * A copy of this checkout inside a fresh 0700 folder (as a user's home would be): the tracked
 * and untracked-but-not-ignored files, and node_modules hard-linked (same inodes, nothing
 * changed). `owner` gets the 0700 folder and the checkout's top folder, to run it as that user.
 */
export function checkoutInPrivateFolder(owner?: { uid: number; gid: number }): { parent: string; checkout: string; remove(): void } {
  const parent = mkdtempSync(join(tmpdir(), 'tributary-private-'));
  const checkout = join(parent, 'tributary');
  mkdirSync(checkout);
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((f) => f.length > 0);
  for (const f of files) {
    if (!existsSync(join(ROOT, f))) continue; // deleted in the work tree
    mkdirSync(dirname(join(checkout, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(checkout, f));
  }
  execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(checkout, 'node_modules')]);
  if (owner) {
    chownSync(parent, owner.uid, owner.gid);
    chownSync(checkout, owner.uid, owner.gid);
  }
  return { parent, checkout, remove: () => { if (!process.env.KEEP_TEST_DIRS) rmSync(parent, { recursive: true, force: true }); } };
}

/**
 * The mode of every folder a quickstart run in `cwd` could touch without owning it: each
 * ancestor of `cwd` up to `/`, every folder already under `scope`, and /var and /var/lib (where
 * root's embedded server lives).
 */
export function folderModes(cwd: string, scope: string): Map<string, number> {
  const modes = new Map<string, number>();
  for (let d = cwd; ; d = dirname(d)) {
    modes.set(d, statSync(d).mode & 0o7777);
    if (d === dirname(d)) break;
  }
  for (const d of ['/var', '/var/lib']) if (existsSync(d)) modes.set(d, statSync(d).mode & 0o7777);
  const walk = (d: string) => {
    modes.set(d, statSync(d).mode & 0o7777);
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
  };
  walk(scope);
  return modes;
}

/** The folders of `before` whose mode is now different, as `path: old → new`. */
export function changedModes(before: Map<string, number>): string[] {
  const changed: string[] = [];
  for (const [path, mode] of before) {
    if (!existsSync(path)) continue;
    const now = statSync(path).mode & 0o7777;
    if (now !== mode) changed.push(`${path}: ${mode.toString(8)} → ${now.toString(8)}`);
  }
  return changed;
}

/** A non-root account for tests that run the quickstart as someone else (created once; as root only). */
export function ensureTestUser(): { uid: number; gid: number } {
  const name = 'tributary-qs';
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  }
  return { uid: Number(execFileSync('id', ['-u', name]).toString().trim()), gid: Number(execFileSync('id', ['-g', name]).toString().trim()) };
}
