import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.ts';

const STAND_IN = '\u0000hookgate-value:';

/**
 * A query that Kysely builds and compiles once, then runs many times with new values. The hot paths
 * (an ingestion request, a delivery attempt) build the same few queries over and over, and Kysely's
 * building and compiling was about a fifth of their CPU; the SQL text never changed, only the
 * values bound to it.
 *
 * `build` receives a stand-in for each named value (a marker string) and must hand each one to
 * Kysely as a bound value (in `where`, `set`, `values` or a `sql` template), never compute with it:
 * the first compile checks that no marker was inlined into the SQL or mixed into another value.
 * Pass every column of an insert explicitly (the stand-ins object has no keys of its own), and
 * pass `null`, never `undefined`, at run time. Not for `in` lists, whose SQL varies with their length.
 */
export function prepared<Values extends object, Row>(
  build: (db: Kysely<Database>, values: Values) => Compilable<Row>,
): (db: Kysely<Database>, values: Values) => CompiledQuery<Row> {
  const templates = new WeakMap<Kysely<Database>, Template<Row>>();
  return (db, values) => {
    let template = templates.get(db);
    if (!template) {
      const named = new Set<string>();
      template = compileTemplate(build(db, standIns<Values>(named)).compile(), named);
      templates.set(db, template);
    }
    const parameters = template.slots.map((slot, index) => (slot === null ? template.compiled.parameters[index] : (values as Record<string, unknown>)[slot]));
    return { ...template.compiled, parameters };
  };
}

interface Template<Row> {
  compiled: CompiledQuery<Row>;
  /** For each bound parameter: the name of the value it takes, or null for a constant of the query. */
  slots: (string | null)[];
}

/** Marker strings for the values `build` asks for; their names are noted in `named`. */
function standIns<Values>(named: Set<string>): Values {
  return new Proxy({}, { get: (_, name) => named.add(String(name)) && `${STAND_IN}${String(name)}` }) as Values;
}

function compileTemplate<Row>(compiled: CompiledQuery<Row>, named: ReadonlySet<string>): Template<Row> {
  if (compiled.sql.includes(STAND_IN)) throw new Error(`prepared query inlines a value into its SQL: ${compiled.sql}`);
  const slots = compiled.parameters.map((parameter) => {
    if (typeof parameter !== 'string' || !parameter.includes(STAND_IN)) return null;
    const name = parameter.slice(STAND_IN.length);
    if (!parameter.startsWith(STAND_IN) || !named.has(name)) throw new Error(`prepared query computes with a value: ${JSON.stringify(parameter)}`);
    return name;
  });
  return { compiled, slots };
}

/** Runs a compiled query and returns its first row, if any. */
export async function firstRow<Row>(db: Kysely<Database>, query: CompiledQuery<Row>): Promise<Row | undefined> {
  return (await db.executeQuery(query)).rows[0];
}
