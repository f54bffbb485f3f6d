import { createHash } from 'node:crypto';

/**
 * File names: `<topics.dir>/<topic>/<partition path>/<topic>+<partition>+<startPosition>+<startTimestamp>.<ext>`.
 *
 * The name is a function of the file's first record only (its source position, which sorts
 * byte-wise in log order, and its timestamp zero-padded to 13 digits), never of wall-clock time
 * or of the bus offset, which restarts at 0 in a new process. So a replay after a crash writes
 * the same names, and the rewrite replaces the earlier file instead of duplicating it.
 */
export interface FileNameParts {
  readonly topicsDir: string;
  readonly topic: string;
  readonly encodedPartition: string;
  readonly partition: number;
  readonly startPosition: string;
  readonly startTimestamp: number;
  readonly extension: string;
}

export function fileName(p: FileNameParts): string {
  const dir = [p.topicsDir.replace(/^\/+|\/+$/g, ''), escapeSegment(p.topic), p.encodedPartition].filter((s) => s.length > 0).join('/');
  const ts = String(Math.max(0, Math.trunc(p.startTimestamp))).padStart(13, '0');
  return `${dir}/${escapeSegment(p.topic)}+${p.partition}+${positionSegment(p.startPosition)}+${ts}.${p.extension}`;
}

/** Positions longer than this are shortened in names (file systems allow 255 bytes a name). */
const MAX_POSITION_CHARS = 96;

/**
 * The start position as it appears in a name. A position that is too long (a snapshot row keyed
 * by a long text, see the postgres source's snapshot-key-encoder.ts) keeps its first characters
 * and ends with `~h` and a hash of the whole, so the name stays a function of the position.
 * Names of such files still sort by position up to the shortened part only.
 */
function positionSegment(position: string): string {
  const escaped = escapeSegment(position);
  if (escaped.length <= MAX_POSITION_CHARS) return escaped;
  const hash = createHash('sha256').update(position).digest('hex').slice(0, 24);
  return `${escaped.slice(0, MAX_POSITION_CHARS - 26)}~h${hash}`;
}

/**
 * Keeps `[A-Za-z0-9._-]` (every position format we emit: zero-padded digits and hex) and writes
 * any other character as `~` and two hex digits per UTF-8 byte, so a name never contains a path
 * separator and stays the same for the same position.
 */
export function escapeSegment(text: string): string {
  if (/^[A-Za-z0-9._-]+$/.test(text)) return text;
  return Array.from(Buffer.from(text, 'utf8'), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9._-]/.test(c) ? c : '~' + b.toString(16).padStart(2, '0');
  }).join('');
}
