import { Router } from 'express';
import { TributaryError } from '../../plugins/api/index.js';
import type { ConnectorOffsets, Herder } from '../../runtime/herder/herder.js';
import { isJsonObject, objectBody, pathParam } from '../request-body.js';
import { resource } from './route-table.js';

/**
 * KIP-875 offsets management. Only the shape of the body is checked here; whether the connector
 * is STOPPED and whether a partition makes sense for it is the herder's call.
 */
export function connectorOffsetsRoutes(herder: Herder): Router {
  const router = Router();

  resource(router, '/connectors/:name/offsets', {
    get: async (req, res) => {
      res.json(await herder.connectorOffsets(pathParam(req, 'name')));
    },
    patch: async (req, res) => {
      await herder.alterConnectorOffsets(pathParam(req, 'name'), offsetsBody(req.body));
      res.status(200).json({ message: 'The offsets for this connector have been altered successfully' });
    },
    delete: async (req, res) => {
      await herder.resetConnectorOffsets(pathParam(req, 'name'));
      res.status(200).json({ message: 'The offsets for this connector have been reset successfully' });
    },
  });

  return router;
}

const SHAPE = '{"offsets": [{"partition": {...}, "offset": {...} or null}]}';

function invalid(message: string): TributaryError {
  return new TributaryError('offsets.invalid', message);
}

/** Validates every entry and reports all problems at once, by index. */
export function offsetsBody(body: unknown): ConnectorOffsets {
  const object = objectBody(body, `a JSON object ${SHAPE}`);
  const list = object.offsets;
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid(`Partitions / offsets need to be provided for an alter offsets request: expected ${SHAPE}.`);
  }
  const problems: string[] = [];
  const offsets: ConnectorOffsets['offsets'] = [];
  list.forEach((entry: unknown, i) => {
    if (!isJsonObject(entry)) return void problems.push(`offsets[${i}] must be an object with "partition" and "offset"`);
    const { partition, offset } = entry;
    if (!isJsonObject(partition)) problems.push(`offsets[${i}].partition must be an object`);
    if (offset !== null && !isJsonObject(offset)) problems.push(`offsets[${i}].offset must be an object, or null to remove the partition's offset`);
    if (isJsonObject(partition) && (offset === null || isJsonObject(offset))) offsets.push({ partition, offset });
  });
  if (problems.length > 0) throw invalid(`Invalid offsets request: ${problems.join('; ')}.`);
  return { offsets };
}
