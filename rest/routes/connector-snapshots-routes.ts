import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { TributaryError } from '../../plugins/api/index.js';
import type { Herder } from '../../runtime/herder/herder.js';
import { isJsonObject, pathParam } from '../request-body.js';
import { resource } from './route-table.js';

/**
 * Incremental snapshots and signals over REST — a Tributary extension; Kafka Connect has no such
 * routes, and Debezium takes signals through a table, a Kafka topic or JMX. The bodies are
 * Debezium's signal `data`:
 *
 * - `POST /connectors/{name}/snapshots` `{"data-collections": ["public.t"], "type": "incremental",
 *   "additional-conditions": [{"data-collection": "public.t", "filter": "id > 100"}]}` starts one
 *   (an `execute-snapshot` signal); 202 with the signal's id;
 * - `GET /connectors/{name}/snapshots`: its progress (tables left, chunks and rows done, rate, ETA), or null;
 * - `DELETE /connectors/{name}/snapshots` (optional body `{"data-collections": [...]}`): `stop-snapshot`;
 * - `POST /connectors/{name}/snapshots/pause`, `.../resume`: `pause-snapshot`, `resume-snapshot`;
 * - `POST /connectors/{name}/signals` `{"id": "...", "type": "log", "data": {"message": "..."}}`: any signal.
 *
 * A signal goes to the connector's task 0, which writes it to its source's log, so it is taken
 * in commit order with the changes around it and survives a crash (PostgreSQL: a logical
 * decoding message). In a worker group the request goes to the worker running task 0.
 */
export function connectorSnapshotsRoutes(herder: Herder): Router {
  const router = Router();
  const send = async (req: Request, type: string, data: unknown, id?: unknown): Promise<string> => {
    const signalId = typeof id === 'string' && id.length > 0 ? id : randomUUID();
    await herder.signalConnector(pathParam(req, 'name'), { id: signalId, type, data });
    return signalId;
  };
  const dataOf = (body: unknown): Record<string, unknown> => {
    if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0)) return {};
    if (!isJsonObject(body)) throw new TributaryError('rest.bad_request', 'The body must be a JSON object (Debezium\'s signal data).');
    return body;
  };

  resource(router, '/connectors/:name/snapshots', {
    get: async (req, res) => {
      const name = pathParam(req, 'name');
      res.json({ connector: name, snapshot: await herder.snapshotProgress(name) });
    },
    post: async (req, res) => {
      const data = dataOf(req.body);
      const { id, ...rest } = data;
      res.status(202).json({ id: await send(req, 'execute-snapshot', rest, id), type: 'execute-snapshot' });
    },
    delete: async (req, res) => {
      const data = dataOf(req.body);
      res.status(202).json({ id: await send(req, 'stop-snapshot', data), type: 'stop-snapshot' });
    },
  });

  for (const action of ['pause', 'resume'] as const) {
    resource(router, `/connectors/:name/snapshots/${action}`, {
      post: async (req, res) => {
        res.status(202).json({ id: await send(req, `${action}-snapshot`, {}), type: `${action}-snapshot` });
      },
    });
  }

  resource(router, '/connectors/:name/signals', {
    post: async (req, res) => {
      const body = dataOf(req.body);
      if (typeof body.type !== 'string') throw new TributaryError('rest.bad_request', 'A signal needs a "type" (execute-snapshot, stop-snapshot, pause-snapshot, resume-snapshot, log).');
      res.status(202).json({ id: await send(req, body.type, body.data ?? {}, body.id), type: body.type });
    },
  });
  return router;
}
