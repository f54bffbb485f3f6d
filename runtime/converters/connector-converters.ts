import { TributaryError, type RawConfig } from '../../plugins/api/index.js';
import type { Converter, IncomingRecord, OutgoingRecord } from './converter.js';
import { findConverterPlugin } from './converter-registry.js';

export interface RecordConverters {
  readonly key: Converter;
  readonly value: Converter;
}

/**
 * A connector's key and value converters, as Kafka Connect chooses them: the connector's
 * `key.converter` / `value.converter` (with their `key.converter.*` properties) over the
 * worker's, and Kafka Connect's JsonConverter with `schemas.enable=true` when neither names one.
 */
export function connectorConverters(connector: RawConfig, worker: RawConfig): RecordConverters {
  return { key: converterFor('key', connector, worker), value: converterFor('value', connector, worker) };
}

function converterFor(side: 'key' | 'value', connector: RawConfig, worker: RawConfig): Converter {
  const property = `${side}.converter`;
  const fromConnector = connector[property] !== undefined && connector[property] !== '';
  const source = fromConnector ? connector : worker;
  const name = source[property] || 'org.apache.kafka.connect.json.JsonConverter';
  const plugin = findConverterPlugin(name);
  if (!plugin) throw new TributaryError('config.invalid', `${property}=${name} is not a known converter.`, { configPath: property });
  const prefix = `${property}.`;
  const props: Record<string, string> = {};
  // the worker's converter properties apply to the worker's converter; a connector's own
  // converter takes only the connector's. As in Kafka Connect, a connector's `value.converter.*`
  // without its own `value.converter` is not used: a config moved from Kafka Connect reads and
  // writes the same JSON here (measured: integration-tests/kafka-interop-debezium-to-files.test.ts)
  for (const [k, v] of Object.entries(fromConnector ? connector : worker)) if (k.startsWith(prefix)) props[k.slice(prefix.length)] = v;
  return plugin.create(props, side === 'key');
}

/** Awaits the converters' prepareOutgoing for a batch; undefined when neither has work (the usual case). */
export function prepareOutgoing(converters: RecordConverters, records: readonly OutgoingRecord[]): Promise<void> | undefined {
  const key = converters.key.prepareOutgoing?.(records);
  const value = converters.value.prepareOutgoing?.(records);
  return key && value ? Promise.all([key, value]).then(() => undefined) : (key ?? value);
}

/** Awaits the converters' prepareIncoming for a batch; undefined when neither has work. */
export function prepareIncoming(converters: RecordConverters, records: readonly IncomingRecord[]): Promise<void> | undefined {
  const key = converters.key.prepareIncoming?.(records);
  const value = converters.value.prepareIncoming?.(records);
  return key && value ? Promise.all([key, value]).then(() => undefined) : (key ?? value);
}
