import { LogicalName, toJsonText, type Schema } from '../../../../plugins/api/index.js';
import type { OutputFile } from '../storage/storage.js';
import type { RecordWriter, RecordWriterFactory } from './record-writer.js';
import { TextOutput } from './text-output.js';
import { daysToIsoDate, variableScaleDecimalText } from './value-conversions.js';

export interface CsvOptions {
  readonly delimiter: string;
  readonly nullValue: string;
  readonly header: boolean;
}

export function csvWriterFactory(options: CsvOptions): RecordWriterFactory {
  return { extension: 'csv', open: (out, schema) => new CsvRecordWriter(out, schema, options) };
}

type Formatter = (value: unknown) => string;

/**
 * RFC 4180 CSV: CRLF-free records ended by `\n`, a field is quoted when it holds the delimiter,
 * a quote, CR or LF (quotes doubled inside), and nested values (struct, array, map) are JSON
 * text. When the null marker is the empty string an empty string is written `""`, so readers
 * can tell the two apart. Dates are written as YYYY-MM-DD (`+10000-01-01` and `-4713-11-24`
 * beyond four-digit years, `infinity` / `-infinity` for the source's ±infinity), VariableScaleDecimal
 * as its decimal; other values keep their Debezium text.
 */
export class CsvRecordWriter implements RecordWriter {
  readonly #out: OutputFile;
  readonly #text: TextOutput;
  readonly #formatters: Formatter[];
  readonly #delimiter: string;
  readonly #nullValue: string;
  readonly #needsQuote: RegExp;
  #headerPending: string | undefined;

  constructor(out: OutputFile, schema: Schema, options: CsvOptions) {
    this.#out = out;
    this.#text = new TextOutput(out, false);
    this.#delimiter = options.delimiter;
    this.#nullValue = options.nullValue;
    this.#needsQuote = new RegExp(`["\\r\\n${options.delimiter.replace(/[\\\]^-]/g, '\\$&')}]`);
    const fields = schema.fields ?? [];
    this.#formatters = fields.map((f) => formatterFor(f.schema));
    this.#headerPending = options.header ? fields.map((f) => this.#quote(f.name)).join(this.#delimiter) + '\n' : undefined;
  }

  get estimatedBytes(): number {
    return this.#out.bytesWritten + this.#text.bufferedBytes;
  }

  write(values: readonly unknown[]): void | Promise<void> {
    let line = this.#headerPending ?? '';
    for (let i = 0; i < this.#formatters.length; i++) {
      if (i > 0) line += this.#delimiter;
      const v = values[i];
      if (v === null || v === undefined) {
        line += this.#nullValue;
        continue;
      }
      const text = this.#formatters[i](v);
      line += text === '' && this.#nullValue === '' ? '""' : this.#quote(text);
    }
    this.#headerPending = undefined;
    return this.#text.append(line + '\n');
  }

  #quote(text: string): string {
    if (!this.#needsQuote.test(text) && text !== this.#nullValue) return text;
    return '"' + text.replace(/"/g, '""') + '"';
  }

  finish(): Promise<void> {
    return this.#text.finish();
  }
}

function formatterFor(schema: Schema): Formatter {
  if (schema.name === LogicalName.Date || schema.name === LogicalName.ConnectDate) return (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : daysToIsoDate(Number(v)));
  if (schema.name === 'io.debezium.data.VariableScaleDecimal') return variableScaleDecimalText;
  switch (schema.type) {
    case 'struct':
    case 'array':
    case 'map':
      return (v) => toJsonText(v, schema);
    case 'bytes':
      return schema.name === LogicalName.Decimal ? (v) => String(v) : (v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : String(v));
    default:
      return (v) => String(v);
  }
}
