import { defineConfigSpec, prop } from '../../../plugins/api/index.js';

/** `topics` / `topics.regex` are the framework's sink properties; this is what stdout adds. */
export const stdoutConfigSpec = defineConfigSpec({
  'print.key': prop.boolean({ doc: 'Print `{"topic","key","value"}` objects instead of bare values.', default: false }),
});
