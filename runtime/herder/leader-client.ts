import { RetriableError } from '../../plugins/api/index.js';
import type { SessionKey } from '../storage/config-backing-store.js';
import { SIGNATURE_ALGORITHM_HEADER, SIGNATURE_HEADER, signBody } from './request-signature.js';

export interface LeaderClientOptions {
  /** the worker's own REST credentials (an Authorization header value), when REST auth is on */
  readonly authorization?: string;
  readonly timeoutMs: number;
}

/**
 * The internal request a worker makes of its group's leader: the task configs the connector it
 * runs computed, for the leader to write to the config topic (Kafka Connect's
 * `POST /connectors/{c}/tasks`), signed with the session key from the config topic.
 */
export class LeaderClient {
  readonly #options: LeaderClientOptions;

  constructor(options: LeaderClientOptions) {
    this.#options = options;
  }

  async putTaskConfigs(leaderUrl: string, name: string, configs: readonly Readonly<Record<string, string>>[], key: SessionKey | undefined): Promise<void> {
    if (!key) throw new RetriableError('connector.rebalancing', 'no session key in the config topic yet: the leader writes one when it takes over');
    const body = JSON.stringify(configs);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signBody(key, body),
      [SIGNATURE_ALGORITHM_HEADER]: key.algorithm,
      ...(this.#options.authorization ? { authorization: this.#options.authorization } : {}),
    };
    const url = `${leaderUrl.replace(/\/+$/, '')}/connectors/${encodeURIComponent(name)}/tasks?forward=false`;
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.#options.timeoutMs) });
    } catch (error) {
      throw new RetriableError('connector.rebalancing', `the leader at ${leaderUrl} could not be reached: ${(error as Error).message}`, { cause: error });
    }
    if (res.ok) return;
    const text = await res.text().catch(() => '');
    throw new RetriableError('connector.rebalancing', `the leader at ${leaderUrl} refused the task configs of ${name}: ${res.status} ${text.slice(0, 300)}`);
  }
}
