// The part of oracledb 6's API this connector uses (the package ships no type declarations).
declare module 'oracledb' {
  export interface Metadata {
    name: string;
    dbType?: unknown;
    dbTypeName?: string;
  }
  export interface ExecuteOptions {
    outFormat?: number;
    fetchArraySize?: number;
    fetchTypeHandler?: (metadata: Metadata) => { type: unknown; converter?: (value: unknown) => unknown } | undefined;
    autoCommit?: boolean;
  }
  export interface Result {
    rows?: Record<string, unknown>[];
    metaData?: Metadata[];
    rowsAffected?: number;
  }
  export interface QueryStream extends AsyncIterable<Record<string, unknown>> {
    destroy(error?: Error): void;
    on(event: 'metadata', listener: (metadata: Metadata[]) => void): this;
  }
  export interface Connection {
    execute(sql: string, binds: unknown, options: ExecuteOptions): Promise<Result>;
    queryStream(sql: string, binds: unknown, options: ExecuteOptions): QueryStream;
    close(): Promise<void>;
    readonly oracleServerVersionString?: string;
  }
  export interface ConnectionAttributes {
    user: string;
    password: string;
    connectString: string;
    connectTimeout?: number;
    transportConnectTimeout?: number;
    retryCount?: number;
  }
  const oracledb: {
    getConnection(attributes: ConnectionAttributes): Promise<Connection>;
    readonly thin: boolean;
    readonly OUT_FORMAT_OBJECT: number;
    readonly STRING: unknown;
    readonly DB_TYPE_NUMBER: unknown;
    readonly DB_TYPE_BINARY_FLOAT: unknown;
    readonly DB_TYPE_BINARY_DOUBLE: unknown;
    readonly DB_TYPE_DATE: unknown;
    readonly DB_TYPE_TIMESTAMP: unknown;
    readonly DB_TYPE_TIMESTAMP_TZ: unknown;
    readonly DB_TYPE_TIMESTAMP_LTZ: unknown;
    readonly DB_TYPE_RAW: unknown;
  };
  export default oracledb;
}
