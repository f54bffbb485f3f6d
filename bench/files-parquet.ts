import { runFilesBench } from './files-bench.js';

/** 2 M datagen rows through the files sink to parquet on local disk, against DuckDB: see files-bench.ts. */
await runFilesBench('parquet');
