import { Router } from 'express';
import { resource } from './route-table.js';

export interface ServerInfo {
  version: string;
  commit?: string;
  /** the Kafka cluster in distributed mode; null in standalone mode, which has none */
  kafkaClusterId?: string | null;
}

/** `GET /`: the same three fields as Kafka Connect's root resource. */
export function rootRoutes(info: ServerInfo): Router {
  const router = Router();
  const body = { version: info.version, commit: info.commit ?? 'unknown', kafka_cluster_id: info.kafkaClusterId ?? null };
  resource(router, '/', {
    get: (_req, res) => {
      res.json(body);
    },
  });
  return router;
}
