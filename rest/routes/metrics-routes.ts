import { Router } from 'express';
import { resource } from './route-table.js';

/** What `/metrics` needs; a prom-client `Registry` fits as is. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** Prometheus exposition at `/metrics`, in the registry's own content type (text or OpenMetrics). */
export function metricsRoutes(metrics: MetricsSource): Router {
  const router = Router();
  resource(router, '/metrics', {
    get: async (_req, res) => {
      const text = await metrics.metrics();
      // Set verbatim: express's type/charset handling would reformat the registry's parameters.
      res.status(200).setHeader('Content-Type', metrics.contentType);
      res.end(text);
    },
  });
  return router;
}
