import { toJsonText, type Field, type Schema } from '../../../../plugins/api/index.js';
import type { OutputFile } from '../storage/storage.js';
import type { RecordWriter, RecordWriterFactory } from './record-writer.js';
import { TextOutput } from './text-output.js';
import { variableScaleDecimalText } from './value-conversions.js';

/** Schema name of a column whose string value is already JSON text and is embedded as is (DLQ). */
export const RAW_JSON = 'tributary.RawJson';
const VARIABLE_SCALE_DECIMAL = 'io.debezium.data.VariableScaleDecimal';

export interface JsonOptions {
  readonly gzip: boolean;
  /** decimals as exact JSON numbers (default) or as strings */
  readonly decimalAs: 'number' | 'string';
}

export function jsonWriterFactory(options: JsonOptions): RecordWriterFactory {
  return { extension: options.gzip ? 'json.gz' : 'json', open: (out, schema) => new JsonRecordWriter(out, schema, options) };
}

/**
 * Newline-delimited JSON, one object per row, keys in schema order. Values are written exactly
 * (toJsonText): int64 beyond 2^53 and decimals as number text, bytes as base64, Debezium JSON
 * columns as strings (as Kafka Connect's JsonConverter does). A VariableScaleDecimal column is
 * written as its decimal, like a Decimal column (nested in the envelope layout it keeps
 * Debezium's `{scale, value}` form).
 */
export class JsonRecordWriter implements RecordWriter {
  readonly #out: OutputFile;
  readonly #text: TextOutput;
  readonly #fields: readonly Field[];
  readonly #keys: string[];
  readonly #decimalAs: 'number' | 'string';

  constructor(out: OutputFile, schema: Schema, options: JsonOptions) {
    this.#out = out;
    this.#text = new TextOutput(out, options.gzip);
    this.#fields = schema.fields ?? [];
    this.#keys = this.#fields.map((f, i) => (i === 0 ? '{' : ',') + JSON.stringify(f.name) + ':');
    this.#decimalAs = options.decimalAs;
  }

  get estimatedBytes(): number {
    return this.#out.bytesWritten + this.#text.bufferedBytes;
  }

  write(values: readonly unknown[]): void | Promise<void> {
    let line = '';
    for (let i = 0; i < this.#fields.length; i++) {
      const schema = this.#fields[i].schema;
      const v = values[i];
      line += this.#keys[i] + (schema.name === RAW_JSON && typeof v === 'string' ? v : schema.name === VARIABLE_SCALE_DECIMAL && v != null ? this.#decimal(v) : toJsonText(v, schema, { decimalAs: this.#decimalAs }));
    }
    return this.#text.append((this.#fields.length === 0 ? '{}' : line + '}') + '\n');
  }

  /** a VariableScaleDecimal column as its exact decimal, like a Decimal (a number, or a string with json.decimal.format=BASE64) */
  #decimal(value: unknown): string {
    const text = variableScaleDecimalText(value);
    return this.#decimalAs === 'number' ? text : JSON.stringify(text);
  }

  finish(): Promise<void> {
    return this.#text.finish();
  }
}
