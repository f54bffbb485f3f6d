import { exactTablePattern, keepsWritesWhenPublished, qualifiedName, type InspectedTable, type PublicationState, type UserRights } from './table-inspection.js';

export interface PublicationInput {
  readonly tables: readonly InspectedTable[];
  readonly rights: UserRights;
  /** the publication as it is now, null when missing */
  readonly existing: PublicationState | null;
  readonly publication: string;
  /** the tables the connector's filters select (all of them when it has none) */
  readonly selects: (t: InspectedTable) => boolean;
  /**
   * `choose`: the quickstart picks the publication (a `--source` URL, or a file that does not set
   * publication.autocreate.mode); otherwise the mode the file sets, which is respected
   */
  readonly mode: 'choose' | 'all_tables' | 'filtered' | 'disabled';
  /** the publication is the quickstart's own (its default name): it may replace it */
  readonly ownName: boolean;
  /** where the setting came from, for messages (`--source`, or the file name) */
  readonly origin: string;
}

export interface PublicationPlan {
  /** exact `table.include.list` patterns to set, or null to leave the connector's filters as they are */
  readonly includeList: readonly string[] | null;
  /** publication.autocreate.mode to set, or null to leave it */
  readonly mode: 'filtered' | null;
  /** the tables captured, quoted */
  readonly captured: readonly string[];
  /** every table the connector's filters select is captured (none was left out) */
  readonly complete: boolean;
  /** replace an existing FOR ALL TABLES publication by one FOR TABLE `captured` before starting */
  readonly replaceAllTables: boolean;
  /** lines for the user: what is captured, what is left out and the statement that would include it */
  readonly notices: readonly string[];
  /** set when nothing can start: one line with the fix */
  readonly problem?: string;
}

/**
 * Decides which tables the quickstart publishes so that it never breaks the user's writes: a
 * table whose replica identity gives no old key (no primary key and REPLICA IDENTITY DEFAULT, or
 * NOTHING) makes UPDATE and DELETE fail once it is in a publication, so such tables are left out
 * and named with the `ALTER TABLE … REPLICA IDENTITY FULL` that would let them in. When the
 * quickstart chooses, the publication is always filtered: FOR ALL TABLES would also take in
 * keyless tables created later, and needs a superuser. A non-superuser can publish only the
 * tables it owns and snapshot only those it may read; the rest are left out with the grant
 * that fixes it. When a config file sets publication.autocreate.mode, its choice stands, and a
 * choice that would break writes stops the start instead.
 */
export function planPublication(input: PublicationInput): PublicationPlan {
  const { rights, publication, origin } = input;
  const wanted = input.tables.filter(input.selects);
  const unsafe = wanted.filter((t) => !keepsWritesWhenPublished(t));
  const unsafeAnywhere = input.tables.filter((t) => !keepsWritesWhenPublished(t));
  const fixIdentity = (ts: readonly InspectedTable[]) => ts.map((t) => `ALTER TABLE ${qualifiedName(t.schema, t.table)} REPLICA IDENTITY FULL;`).join(' ');
  const names = (ts: readonly InspectedTable[]) => ts.map((t) => qualifiedName(t.schema, t.table)).join(', ');
  const quotedPublication = `"${publication.replace(/"/g, '""')}"`;

  if (input.mode !== 'choose') {
    const notices: string[] = [];
    if (input.mode === 'disabled') {
      if (!input.existing) return problem(`publication ${quotedPublication} does not exist and ${origin} sets publication.autocreate.mode=disabled: create it (CREATE PUBLICATION ${quotedPublication} FOR TABLE …;) or remove that property`);
      const breaking = unsafeAnywhere.filter((t) => input.existing!.allTables || input.existing!.tables.includes(qualifiedName(t.schema, t.table)));
      if (breaking.length > 0) notices.push(`warning: publication ${quotedPublication} already publishes ${names(breaking)}, which have no primary key or replica identity: UPDATE and DELETE on them fail until you run ${fixIdentity(breaking)}`);
      return { includeList: null, mode: null, captured: wanted.map((t) => qualifiedName(t.schema, t.table)), complete: true, replaceAllTables: false, notices };
    }
    const published = input.mode === 'all_tables' ? unsafeAnywhere : unsafe;
    if (published.length > 0 && !(input.existing?.allTables && input.mode === 'all_tables')) {
      return problem(`${origin} sets publication.autocreate.mode=${input.mode}, which would publish ${names(published)}; they have no primary key or replica identity, so UPDATE and DELETE on them would fail in your application. Run ${fixIdentity(published)} or remove publication.autocreate.mode so the quickstart publishes only the tables it can`);
    }
    if (published.length > 0) notices.push(`warning: publication ${quotedPublication} is FOR ALL TABLES: UPDATE and DELETE fail on ${names(published)} until you run ${fixIdentity(published)}`);
    if (input.mode === 'all_tables' && !input.existing && !rights.superuser) {
      return problem(`${origin} sets publication.autocreate.mode=all_tables, and creating a publication FOR ALL TABLES needs a superuser: connect as one, or remove that property so the quickstart publishes the tables "${rights.user}" owns`);
    }
    const owner = ownershipProblem(input);
    if (owner) return problem(owner);
    return { includeList: null, mode: null, captured: wanted.map((t) => qualifiedName(t.schema, t.table)), complete: true, replaceAllTables: false, notices };
  }

  const notices: string[] = [];
  const captured: InspectedTable[] = [];
  for (const t of wanted) {
    const name = qualifiedName(t.schema, t.table);
    if (!keepsWritesWhenPublished(t)) {
      const why = t.identity === 'n' ? 'its REPLICA IDENTITY is NOTHING' : 'it has no primary key or replica identity';
      notices.push(`left out ${name}: ${why}, so UPDATE and DELETE on it would fail once it is published. To capture it: ALTER TABLE ${name} REPLICA IDENTITY FULL;`);
    } else if (!rights.superuser && !t.owned) {
      notices.push(`left out ${name}: it belongs to "${t.owner}", and only its owner or a superuser can add it to a publication. To capture it, connect as "${t.owner}" or a superuser, or run ALTER TABLE ${name} OWNER TO "${rights.user}";`);
    } else if (!t.readable) {
      notices.push(`left out ${name}: "${rights.user}" may not read it. To capture it: GRANT SELECT ON ${name} TO "${rights.user}";`);
    } else captured.push(t);
  }
  const capturedNames = captured.map((t) => qualifiedName(t.schema, t.table));
  if (captured.length === 0) {
    return problem(wanted.length === 0
      ? `no table to capture in database "${rights.database}": create one, or check the include/exclude lists of ${origin}`
      : `no table of database "${rights.database}" can be captured safely: ${notices.map((n) => n.replace(/^left out /, '')).join(' ')}`);
  }
  let replaceAllTables = false;
  const existing = input.existing;
  if (!existing && !rights.canCreate) {
    return problem(`user "${rights.user}" may not create the publication ${quotedPublication} in database "${rights.database}": run GRANT CREATE ON DATABASE "${rights.database}" TO "${rights.user}"; as its owner or a superuser (or create it yourself: CREATE PUBLICATION ${quotedPublication} FOR TABLE ${capturedNames.join(', ')};)`);
  }
  if (existing && !existing.owned && !rights.superuser) {
    return problem(`publication ${quotedPublication} belongs to "${existing.owner}", so "${rights.user}" cannot set its tables: connect as "${existing.owner}" or a superuser, or run ALTER PUBLICATION ${quotedPublication} OWNER TO "${rights.user}";`);
  }
  if (existing?.allTables && unsafeAnywhere.length > 0) {
    if (!input.ownName) {
      return problem(`publication ${quotedPublication} is FOR ALL TABLES, so UPDATE and DELETE already fail on ${names(unsafeAnywhere)}: run DROP PUBLICATION ${quotedPublication}; (the quickstart then creates one for the tables it can capture) or ${fixIdentity(unsafeAnywhere)}`);
    }
    replaceAllTables = true;
    notices.push(`publication ${quotedPublication} was FOR ALL TABLES, which makes UPDATE and DELETE fail on ${names(unsafeAnywhere)}: replaced by one for the captured tables`);
  }
  const leftOut = wanted.length - captured.length;
  notices.unshift(`capturing ${captured.length} table(s) through publication ${quotedPublication}: ${capturedNames.join(', ')}${leftOut > 0 ? ` (${leftOut} left out, see below)` : ''}. Tables created later are added when the quickstart starts again.`);
  return { includeList: captured.map((t) => exactTablePattern(t.schema, t.table)), mode: 'filtered', captured: capturedNames, complete: leftOut === 0, replaceAllTables, notices };
}

function ownershipProblem(input: PublicationInput): string | undefined {
  if (input.rights.superuser || input.mode !== 'filtered') return undefined;
  const foreign = input.tables.filter(input.selects).filter((t) => !t.owned);
  if (foreign.length === 0) return undefined;
  return `${input.origin} selects ${foreign.map((t) => qualifiedName(t.schema, t.table)).join(', ')}, which "${input.rights.user}" does not own, and only an owner or a superuser can add a table to a publication: connect as a superuser, narrow table.include.list, or remove publication.autocreate.mode so the quickstart leaves them out`;
}

function problem(text: string): PublicationPlan {
  return { includeList: null, mode: null, captured: [], complete: false, replaceAllTables: false, notices: [], problem: text };
}
