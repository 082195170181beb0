// The SQL migrations and prisma/schema.prisma must describe the same database. `prisma migrate diff`
// would say so, but it needs Prisma's native schema engine, which offline machines cannot download;
// so this suite compares the two itself: the schema as Prisma reads it (its own schema parser, the
// WebAssembly build) against the database the migrations produced (this run's, migrated by the global
// setup), table by table, column by column, with Prisma's SQL naming rules for indexes and keys.
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isUpdatedAt: boolean;
  nativeType?: [string, string[]] | null;
  /** A literal, or a function such as `{ name: 'now', args: [] }`. */
  default?: string | number | boolean | { name: string };
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  fields: { name: string }[];
}
interface Dmmf {
  datamodel: {
    enums: { name: string; dbName?: string | null; values: { name: string; dbName?: string | null }[] }[];
    models: DmmfModel[];
    indexes: DmmfIndex[];
  };
}

const SCHEMA = join(__dirname, '..', '..', 'prisma', 'schema.prisma');

/** The column type as PostgreSQL's format_type() prints it, for the type Prisma's migrations create. */
function sqlType(f: DmmfField): string {
  const native = f.nativeType?.[0];
  const precision = f.nativeType?.[1]?.[0] ?? '3';
  const scalar: Record<string, string> = {
    String: native === 'Uuid' ? 'uuid' : 'text',
    Int: 'integer',
    BigInt: 'bigint',
    Float: 'double precision',
    Boolean: 'boolean',
    DateTime:
      native === 'Date' ? 'date' : `timestamp(${precision}) ${native === 'Timestamptz' ? 'with' : 'without'} time zone`,
    Json: 'jsonb',
    Bytes: 'bytea',
    Decimal: 'numeric(65,30)',
  };
  const base = f.kind === 'enum' ? `"${f.type}"` : (scalar[f.type] ?? `unmapped ${f.type}`);
  return f.isList ? `${base}[]` : base;
}

/** The column default the migration must have set, in the normalised form of {@link dbDefault}. */
function expectedDefault(f: DmmfField): string | null {
  const d = f.default;
  if (d === undefined || f.isUpdatedAt) return null;
  if (typeof d === 'object') {
    const fn = d.name;
    if (fn === 'now') return 'CURRENT_TIMESTAMP';
    if (fn === 'autoincrement') return 'nextval';
    return null; // uuid(), cuid(): made by the client, not the database
  }
  if (typeof d === 'string') return f.type === 'Json' || f.kind === 'enum' || f.type === 'String' ? `'${d}'` : d;
  return String(d);
}

/** `'DRAFT'::"BundleStatus"` → `'DRAFT'`, `nextval('x'::regclass)` → `nextval`. */
function dbDefault(raw: string | null): string | null {
  if (raw === null) return null;
  if (raw.startsWith('nextval(')) return 'nextval';
  return raw.replace(/::[\w" []+$/, '');
}

const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
const columnOf = (f: DmmfField) => f.dbName ?? f.name;

describe('schema.prisma and the SQL migrations describe the same database', () => {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  const dmmf = JSON.parse(
    get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', readFileSync(SCHEMA, 'utf8')]] })),
  ) as Dmmf;
  const models = dmmf.datamodel.models;
  const byName = new Map(models.map((m) => [m.name, m]));
  const columnName = (model: string, field: string) =>
    columnOf(byName.get(model)!.fields.find((f) => f.name === field)!);

  beforeAll(() => db.connect());
  afterAll(() => db.end());

  it('has the same enums, with the same values in the same order', async () => {
    const { rows } = await db.query<{ name: string; values: string[] }>(`
      SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' GROUP BY t.typname ORDER BY t.typname`);
    const expected = dmmf.datamodel.enums
      .map((e) => ({ name: e.dbName ?? e.name, values: e.values.map((v) => v.dbName ?? v.name) }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(rows).toEqual(expected);
  });

  it('has the same tables and columns (type, nullability, default)', async () => {
    const { rows } = await db.query<{
      table: string;
      column: string;
      type: string;
      nullable: boolean;
      def: string | null;
    }>(`
      SELECT c.relname AS table, a.attname AS column,
             format_type(a.atttypid, a.atttypmod) AS type,
             NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS def
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        AND c.relname <> '_prisma_migrations'`);
    const actual = rows
      .map((r) => `${r.table}.${r.column} ${r.type}${r.nullable ? '?' : ''} default ${dbDefault(r.def)}`)
      .sort();
    const expected = models
      .flatMap((m) =>
        m.fields
          .filter((f) => f.kind === 'scalar' || f.kind === 'enum')
          .map(
            (f) =>
              // Prisma creates scalar lists without NOT NULL.
              `${tableOf(m)}.${columnOf(f)} ${sqlType(f)}${!f.isRequired || f.isList ? '?' : ''} default ${expectedDefault(f)}`,
          ),
      )
      .sort();
    expect(actual).toEqual(expected);
  });

  it('has the same primary keys, unique and plain indexes, with Prisma’s names', async () => {
    const { rows } = await db.query<{
      table: string;
      name: string;
      primary: boolean;
      unique: boolean;
      columns: string[];
    }>(`
      SELECT t.relname AS table, i.relname AS name, x.indisprimary AS primary, x.indisunique AS unique,
             array(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'`);
    const actual = rows
      .map(
        (r) =>
          `${r.table} ${r.primary ? 'PRIMARY' : r.unique ? 'UNIQUE' : 'INDEX'} ${r.name} (${r.columns.join(', ')})`,
      )
      .sort();
    const expected = dmmf.datamodel.indexes
      .map((ix) => {
        const table = tableOf(byName.get(ix.model)!);
        const columns = ix.fields.map((f) => columnName(ix.model, f.name));
        const [kind, suffix] =
          ix.type === 'id' ? ['PRIMARY', 'pkey'] : ix.type === 'unique' ? ['UNIQUE', 'key'] : ['INDEX', 'idx'];
        const name = ix.dbName ?? (ix.type === 'id' ? `${table}_pkey` : `${table}_${columns.join('_')}_${suffix}`);
        return `${table} ${kind} ${name} (${columns.join(', ')})`;
      })
      .sort();
    expect(actual).toEqual(expected);
  });

  it('has the same foreign keys, with the same referential actions', async () => {
    const { rows } = await db.query<{ text: string }>(`
      SELECT c.relname || ' ' || k.conname || ' (' ||
             array_to_string(array(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
               JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o), ', ') ||
             ') -> ' || r.relname || ' (' ||
             array_to_string(array(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
               JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o), ', ') ||
             ') on delete ' || k.confdeltype::text || ' on update ' || k.confupdtype::text AS text
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = 'public'`);
    // pg_constraint's action codes.
    const code: Record<string, string> = { Cascade: 'c', Restrict: 'r', NoAction: 'a', SetNull: 'n', SetDefault: 'd' };
    const expected = models
      .flatMap((m) =>
        m.fields
          .filter((f) => f.kind === 'object' && f.relationFromFields?.length)
          .map((f) => {
            const table = tableOf(m);
            const from = f.relationFromFields!.map((n) => columnName(m.name, n));
            const to = f.relationToFields!.map((n) => columnName(f.type, n));
            const required = f.relationFromFields!.every((n) => m.fields.find((x) => x.name === n)!.isRequired);
            const onDelete = f.relationOnDelete ?? (required ? 'Restrict' : 'SetNull');
            const onUpdate = f.relationOnUpdate ?? 'Cascade';
            return `${table} ${table}_${from.join('_')}_fkey (${from.join(', ')}) -> ${tableOf(byName.get(f.type)!)} (${to.join(', ')}) on delete ${code[onDelete]} on update ${code[onUpdate]}`;
          }),
      )
      .sort();
    expect(rows.map((r) => r.text).sort()).toEqual(expected);
  });
});
