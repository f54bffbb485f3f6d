/**
 * Which ClickHouse failures a retry may fix. ClickHouse 18.16 words its errors
 * `Code: 252, e.displayText() = DB::Exception: ...`, newer servers `Code: 252. DB::Exception: ...`;
 * the client parses only the newer form, so the code is read from the message here.
 */
const RETRIABLE_CODES = new Set([
  3, // UNEXPECTED_END_OF_FILE (connection cut mid-request)
  159, // TIMEOUT_EXCEEDED
  164, // READONLY (a replica turning read-only)
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  425, // SYSTEM_ERROR
  999, // KEEPER_EXCEPTION
]);

const NETWORK = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|socket hang up|Timeout error|other side closed|aborted/i;

export function serverCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  const m = /Code: (\d+)[,.]/.exec(messageOf(error));
  return m ? Number(m[1]) : undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Network failures, timeouts, HTTP 5xx without a server code, and the codes above. */
export function isRetriableClickHouseError(error: unknown): boolean {
  const code = serverCode(error);
  if (code !== undefined) return RETRIABLE_CODES.has(code);
  const errno = (error as { code?: unknown })?.code;
  if (typeof errno === 'string' && NETWORK.test(errno)) return true;
  return NETWORK.test(messageOf(error)) || /\b5\d\d\b/.test(messageOf(error));
}

/** The server's message without its boilerplate, for dead-letter context and status traces. */
export function serverMessage(error: unknown): string {
  return messageOf(error).replace(/, e\.what\(\) = DB::Exception\s*$/s, '').trim();
}
