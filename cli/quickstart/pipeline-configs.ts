import type { DatabaseConnection } from './embedded-database.js';

export const SOURCE_NAME = 'quickstart-postgres';
export const SINK_NAME = 'quickstart-lake';
export const TOPIC_PREFIX = 'quickstart';
/** The slot and publication the quickstart creates (its own names: it may replace or drop them). */
export const SLOT_NAME = 'tributary_quickstart';
export const PUBLICATION_NAME = 'tributary_quickstart';
/** Confluent's default folder under the store for the topics' files. */
export const TOPICS_DIR = 'topics';

/** The Postgres source, with Debezium's property names; `tables` (patterns) make the publication filtered. */
export function sourceConfig(connection: DatabaseConnection, tables?: readonly string[]): Record<string, string> {
  return {
    name: SOURCE_NAME,
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'database.hostname': connection.host,
    'database.port': String(connection.port),
    'database.user': connection.user,
    'database.password': connection.password,
    'database.dbname': connection.database,
    'topic.prefix': TOPIC_PREFIX,
    'slot.name': SLOT_NAME,
    'publication.name': PUBLICATION_NAME,
    ...(tables ? { 'table.include.list': tables.join(','), 'publication.autocreate.mode': 'filtered' } : {}),
    'heartbeat.interval.ms': '10000',
  };
}

/**
 * The files sink: Parquet under `lakeDir`, partitioned by the change's commit hour, files closed
 * every 10 s of record time so a person watching sees them land. It takes every topic of the
 * source (`<topicPrefix>.<schema>.<table>`).
 */
export function sinkConfig(lakeDir: string, topicPrefix: string = TOPIC_PREFIX): Record<string, string> {
  return {
    name: SINK_NAME,
    'connector.class': 'files',
    'topics.regex': `${topicPrefix.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}\\..*`,
    'store.url': `file://${lakeDir}`,
    'topics.dir': TOPICS_DIR,
    format: 'parquet',
    partitioner: 'time',
    'path.format': "'dt'=YYYY-MM-dd/'hr'=HH",
    'partition.duration.ms': '3600000',
    'timestamp.extractor': 'Record',
    timezone: 'UTC',
    'rotate.interval.ms': '10000',
    'rotate.schedule.interval.ms': '10000',
    'value.layout': 'flat',
  };
}
