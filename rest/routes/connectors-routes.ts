import { Router, type Request, type Response } from 'express';
import { TributaryError } from '../../plugins/api/index.js';
import type { ConnectorInfo, ConnectorStateInfo, Herder, TargetState } from '../../runtime/herder/herder.js';
import { absoluteUrl, type AdvertisedAddress } from '../advertised-url.js';
import { configFromJson, listQuery, objectBody, pathParam } from '../request-body.js';
import { resource } from './route-table.js';

/**
 * Connector CRUD: `/connectors`, `/connectors/{name}` and `/connectors/{name}/config`, with
 * Kafka Connect's bodies and status codes. Names arrive URL-decoded from the path; in a POST
 * body they are trimmed, as Kafka Connect does. A 201's `Location` is absolute, as Kafka Connect's,
 * on the advertised address where the worker config gives one.
 */
export function connectorsRoutes(herder: Herder, advertised: AdvertisedAddress = {}): Router {
  const router = Router();

  resource(router, '/connectors', {
    get: async (req, res) => {
      const names = await herder.connectors();
      if (req.query.expand === undefined) {
        res.json(names);
        return;
      }
      res.json(await expandConnectors(herder, names, listQuery(req.query.expand)));
    },
    post: async (req, res) => {
      const body = objectBody(req.body, 'a JSON object {"name": "...", "config": {...}}');
      if (body.name === undefined || body.name === null) throw bad('Connector name is required: the body needs a "name" field.');
      if (typeof body.name !== 'string') throw bad('"name" must be a string.');
      const name = body.name.trim();
      if (name === '') throw bad('Connector name must not be empty.');
      if (body.config === undefined || body.config === null) throw bad('Connector config is required: the body needs a "config" object.');
      const config = withName(name, configFromJson(body.config, '"config"'));
      const initialState = targetState(body.initial_state);
      const { info } = await configCall(herder.putConnectorConfig(name, config, false, initialState));
      created(req, res, name, info, advertised);
    },
  });

  resource(router, '/connectors/:name', {
    get: async (req, res) => {
      res.json(await herder.connectorInfo(pathParam(req, 'name')));
    },
    delete: async (req, res) => {
      await herder.deleteConnector(pathParam(req, 'name'));
      res.status(204).end();
    },
  });

  resource(router, '/connectors/:name/config', {
    get: async (req, res) => {
      res.json(await herder.connectorConfig(pathParam(req, 'name')));
    },
    put: async (req, res) => {
      const name = pathParam(req, 'name');
      const config = withName(name, configFromJson(objectBody(req.body, 'a JSON object of connector properties'), 'Connector config'));
      const result = await configCall(herder.putConnectorConfig(name, config, true));
      if (result.created) created(req, res, name, result.info, advertised);
      else res.status(200).json(result.info);
    },
    patch: async (req, res) => {
      const name = pathParam(req, 'name');
      const patch = configFromJson(objectBody(req.body, 'a JSON object of connector properties'), 'Config patch', { allowNull: true });
      if (Object.hasOwn(patch, 'name') && patch.name !== name) throw nameMismatch(patch.name ?? 'null', name);
      res.status(200).json(await configCall(herder.patchConnectorConfig(name, patch)));
    },
  });

  return router;
}

function bad(message: string): TributaryError {
  return new TributaryError('rest.bad_request', message);
}

function nameMismatch(included: string, name: string): TributaryError {
  return bad(`Connector name configuration (${included}) doesn't match connector name in the URL (${name}).`);
}

/** A `name` inside the config must agree with the URL or body name; if absent it is added. */
function withName(name: string, config: Record<string, string>): Record<string, string> {
  if (Object.hasOwn(config, 'name') && config.name !== name) throw nameMismatch(config.name!, name);
  return { ...config, name };
}

function targetState(value: unknown): TargetState | undefined {
  if (value === undefined || value === null) return undefined;
  const upper = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (upper === 'RUNNING' || upper === 'PAUSED' || upper === 'STOPPED') return upper;
  throw bad(`"initial_state" must be one of RUNNING, PAUSED, STOPPED.`);
}

/**
 * In a submitted config an unknown `connector.class` is a mistake in the body, so it is a 400 as
 * in Kafka Connect, not the 404 the plugin endpoints give for an unknown plugin in the path.
 */
async function configCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof TributaryError && error.code === 'plugin.not_found') {
      throw new TributaryError('config.invalid', error.message, { configPath: 'connector.class', cause: error, details: error.details });
    }
    throw error;
  }
}

function created(req: Request, res: Response, name: string, info: ConnectorInfo, advertised: AdvertisedAddress): void {
  res.status(201).location(absoluteUrl(req, `/connectors/${encodeURIComponent(name)}`, advertised)).json(info);
}

type Expansion = { status?: ConnectorStateInfo; info?: ConnectorInfo };

/**
 * `?expand=status&expand=info`. A connector deleted between the listing and its lookup is left
 * out rather than failing the whole answer; unknown expansions are ignored (Kafka Connect does both).
 */
async function expandConnectors(herder: Herder, names: string[], expand: string[]): Promise<Record<string, Expansion>> {
  const wanted = new Set(expand);
  const entries = await Promise.all(
    names.map(async (name): Promise<[string, Expansion] | undefined> => {
      try {
        const out: Expansion = {};
        if (wanted.has('status')) out.status = await herder.connectorStatus(name);
        if (wanted.has('info')) out.info = await herder.connectorInfo(name);
        return [name, out];
      } catch (error) {
        if (error instanceof TributaryError && error.code === 'connector.not_found') return undefined;
        throw error;
      }
    }),
  );
  return Object.fromEntries(entries.filter((e) => e !== undefined));
}
