import { Router } from 'express';
import type { Herder } from '../../runtime/herder/herder.js';
import { resource } from './route-table.js';

/**
 * KIP-1017 `/health`: 200 once the herder has finished start-up, 503 while it is starting, 500 if
 * asking fails. Mounted ahead of authentication, because load balancers and orchestrators probe
 * it without credentials; it reveals nothing but readiness.
 */
export function healthRoutes(herder: Herder): Router {
  const router = Router();
  resource(router, '/health', {
    get: (_req, res) => {
      let ready: boolean;
      try {
        ready = herder.ready();
      } catch {
        res.status(500).json({ status: 'unhealthy', message: 'Worker could not report its readiness; the worker log has the details.' });
        return;
      }
      if (ready) res.status(200).json({ status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' });
      else res.status(503).json({ status: 'starting', message: 'Worker is still starting up.' });
    },
  });
  return router;
}
