import { runFilesBench } from './files-bench.js';

/** 2 M datagen rows through the files sink to json on local disk, against DuckDB: see files-bench.ts. */
await runFilesBench('json');
