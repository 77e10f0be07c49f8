/**
 * Maps each loaded file onto the canonical key in DuckDB views: one row per record with its key fields, its
 * quantity in D365 units and, when it cannot be used, the reason. Mapping decisions are made in `core/` once per
 * distinct WMS value and joined back, so the rules live in one place and the per-line work stays in SQL.
 */
import type { ItemMappingTarget, ReconcileConfig } from '../../core/config.js';
import { D365_FORMATS } from '../../core/formats.js';
import { KEY_FIELDS, KEY_SEPARATOR, LEVEL_FIELDS, PRODUCT_DIMENSIONS, comparedFields, type KeyField, type LevelField } from '../../core/keys.js';
import { mapFacility, mapItem, mapStatus, unitFactor } from '../../core/mappings.js';
import { QUANTITY_RANGE } from '../../core/stored-limits.js';
import type { Session } from '../db.js';
import type { SqlDialect } from './dialect.js';
import { InputError } from '../errors.js';
import { lengthChecks, numberCheck, quoted, rangeCheck, reasonColumn, reasons } from './line-checks.js';
import { findColumn, requireColumn, textOf, type LoadedTable } from '../load.js';


/** A normalized view over a loaded table: `rec`, key fields, `qty`, `reason` (NULL when accepted). */
export interface NormalizedLines {
  loaded: LoadedTable;
  view: string;
  /** A view of lines rejected because their key repeats an earlier line: `rec`, `first_rec`. */
  repeats: string | undefined;
  /** SQL giving the number of rejected records (repeats included) without scanning the file again where possible. */
  rejectedCount: string;
  /** SQL giving the number of lines outside the compared warehouses (`n`); undefined when the file has none. */
  outOfScopeCount?: string | undefined;
  /**
   * The key fields the view (and `repeats`) carries for a rejected line, NULL where a line's field is not known
   * (an unmapped facility has no warehouse): the keys such a line may belong to are not complete. Undefined for
   * files that say nothing about keys.
   */
  rejectedKeyFields?: readonly KeyField[] | undefined;
  /**
   * The file was only scanned and has lines that must be named by their line number (rejected, repeated) or that
   * a scan cannot settle: load it as a table and normalize it again (job/load.ts).
   */
  needsLineNumbers?: boolean | undefined;
}

/** Accepted quantities at the compare level: `key` (core's keyString) and `qty`. */
export interface AtLevel { relation: string }

/** The D365 on-hand columns as canonical field → entity field, from the preset or the config. */
export function d365ColumnMap(onHand: ReconcileConfig['d365']['onHand']): Record<string, string | undefined> {
  return onHand.format ? { ...D365_FORMATS[onHand.format] } : { ...onHand.columns };
}

const keyFieldsSql = (alias = '') => KEY_FIELDS.map((f) => `${alias}${f}`).join(', ');

/**
 * How D365 spells the configured company in its export: D365 company ids are case-insensitive, so `USMF` in the
 * config and `usmf` in the file are one company, and keys and outputs use the export's spelling (the most common
 * one when the file mixes them).
 */
async function companySpelling(db: Session, loaded: LoadedTable, column: string | undefined, configured: string): Promise<string> {
  const sql = db.dialect;
  if (column === undefined) return configured;
  const rows = await db.all<{ company: string }>(`SELECT company FROM (SELECT ${textOf(sql, column)} AS company FROM ${loaded.table})
    WHERE lower(company) = lower(${sql.string(configured)}) GROUP BY company ORDER BY count(*) DESC, company LIMIT 1`);
  return rows[0]?.company ?? configured;
}

export interface D365Lines extends NormalizedLines {
  /** The company as the export spells it. */
  company: string;
  /** A table (item, item_group) when the export names item groups. */
  itemGroups: string | undefined;
}

/**
 * D365 on-hand lines. Fields of the level must be in the file (the site may come from the facility mapping).
 * Lines of warehouses outside scope.warehouses are out of scope: counted, neither compared nor rejected.
 * Also builds `d365_keys`: one row per key of the file, keeping the first line of a repeated key.
 */
export async function normalizeD365(db: Session, loaded: LoadedTable, config: ReconcileConfig, level: readonly LevelField[],
  siteByWarehouse: ReadonlyMap<string, string>): Promise<D365Lines> {
  const sql = db.dialect;
  const mapped = d365ColumnMap(config.d365.onHand);
  const onHand = config.d365.onHand;
  const keyOf = (field: string) => (onHand.format ? `d365.onHand.format ${onHand.format}, field ${field}` : `d365.onHand.columns.${field}`);
  const column = (field: string, required: boolean): string | undefined => {
    const name = mapped[field];
    if (name === undefined) return undefined;
    return required ? requireColumn(loaded, keyOf(field), name) : findColumn(loaded, name);
  };

  const companyColumn = column('company', false);
  // While the file is only scanned, keys keep the company as each line spells it; one spelling throughout is then
  // the spelling (checked below), and a file that mixes them is loaded and read again.
  const company = loaded.scanned ? undefined : await companySpelling(db, loaded, companyColumn, config.company);
  const companyOfKeys = company === undefined ? 'l.company' : sql.string(company);
  const fields: Record<string, string> = {
    company: companyColumn !== undefined ? textOf(sql, companyColumn) : sql.string(config.company),
    item: textOf(sql, column('item', true)),
  };
  for (const dim of PRODUCT_DIMENSIONS) fields[dim] = textOf(sql, column(dim, false));
  const siteFromMapping = column('site', false) === undefined;
  for (const field of LEVEL_FIELDS) {
    if (field === 'site' && siteFromMapping) continue;
    fields[field] = textOf(sql, column(field, level.includes(field)));
  }
  const itemGroupColumn = onHand.columns?.itemGroup === undefined ? undefined : column('itemGroup', true);
  const joins: string[] = [];
  if (siteFromMapping) {
    await db.run('CREATE OR REPLACE TABLE site_of_warehouse (warehouse VARCHAR, site VARCHAR)');
    await db.append('site_of_warehouse', [...siteByWarehouse].map(([warehouse, site]) => [warehouse, site]));
    joins.push('LEFT JOIN site_of_warehouse s ON s.warehouse = l.warehouse');
  }
  // The export may hold every warehouse of the company; only those the WMS manages (or scope.warehouses adds) are compared.
  const scope = config.scope.warehouses;
  let outOfScope = 'false';
  if (scope !== 'all' && column('warehouse', false) !== undefined) {
    const inScope = new Set([...Object.values(config.mappings.facilities).map((f) => f.warehouse), ...(Array.isArray(scope) ? scope : [])]);
    await db.run('CREATE OR REPLACE TABLE d365_warehouses_in_scope (warehouse VARCHAR)');
    await db.append('d365_warehouses_in_scope', [...inScope].map((w) => [w]));
    joins.push('LEFT JOIN d365_warehouses_in_scope sc ON sc.warehouse = l.warehouse');
    outOfScope = `(sc.warehouse IS NULL AND NOT company_differs)`;
  }

  const sameCompany = `lower(l.company) = lower(${sql.string(company ?? config.company)})`;
  const compared = comparedFields(level).filter((f) => f !== 'company');
  const siteSql = siteFromMapping ? `coalesce(s.site, '')` : 'l.site';
  const view = 'd365_lines';
  await db.run(`CREATE OR REPLACE VIEW ${view} AS
    WITH l AS (SELECT ${loaded.rec} AS rec, ${Object.entries(fields).map(([f, sql]) => `${sql} AS ${f}`).join(', ')},
      ${itemGroupColumn ? `${textOf(sql, itemGroupColumn)} AS item_group, ` : ''}${textOf(sql, column('quantity', true))} AS qty_text FROM ${loaded.table}),
    checked AS (SELECT l.*, NOT (${sameCompany}) AS company_differs, ${siteSql} AS mapped_site, ${outOfScope} AS out_of_scope,
      ${sql.toDouble('l.qty_text')} AS qty_value
      FROM l ${joins.join(' ')})
    SELECT l.rec, CASE WHEN company_differs THEN l.company ELSE ${companyOfKeys} END AS company, l.item,
      ${PRODUCT_DIMENSIONS.map((d) => `l.${d}`).join(', ')}, l.mapped_site AS site,
      ${LEVEL_FIELDS.filter((f) => f !== 'site').map((f) => `l.${f}`).join(', ')},${itemGroupColumn ? ' l.item_group,' : ''}
      l.qty_value AS qty, out_of_scope,
      CASE WHEN out_of_scope THEN NULL ELSE ${reasons(numberCheck(sql, 'l.qty_text', 'l.qty_value', 'quantity'),
    rangeCheck(sql, 'l.qty_value', QUANTITY_RANGE, 'quantity', 'l.qty_text'), { when: `l.item = ''`, why: `'item is empty'` },
    { when: 'company_differs', why: `'company ' || ${quoted(sql, 'l.company')} || ' is not the configured company ' || ${sql.string(config.company)}` },
    ...lengthChecks(sql, compared.map((f): [KeyField, string] => [f, f === 'site' ? 'l.mapped_site' : `l.${f}`])))} END AS reason
    FROM checked l`);

  // Keys are one string (core's keyString), which DuckDB groups and joins several times faster than 14 columns.
  // The file's own key adds the fields it has beyond the level, so finer lines are summed, not taken for repeats;
  // a key that repeats keeps its first line and later ones are rejected (a duplicated export doubles variances).
  // Rejected and out-of-scope lines are grouped apart, so the same pass counts them.
  const finer = LEVEL_FIELDS.filter((f) => !level.includes(f) && (f === 'site' || fields[f] !== `''`));
  const finerKey = finer.length > 0 ? `concat_ws(${sql.keySeparator}, ${finer.join(', ')})` : `''`;
  const levelKey = keyStringSql(sql, comparedFields(level));
  await db.withJoinSidesAsWritten(() => db.run(`CREATE OR REPLACE TABLE d365_keys AS SELECT ${levelKey} AS key, ${finerKey} AS finer,
    reason IS NULL AND NOT out_of_scope AS accepted, out_of_scope, ${sql.argMin('qty', 'rec')} AS qty, min(rec) AS first_rec, count(*) AS lines
    FROM ${view} ${sql.groupByAll}`));
  await db.run(`CREATE OR REPLACE VIEW d365_repeats AS SELECT l.rec, k.first_rec, ${keyFieldsSql('l.')}
    FROM (SELECT rec, ${levelKey} AS key, ${finerKey} AS finer, ${keyFieldsSql()} FROM ${view} WHERE reason IS NULL AND NOT out_of_scope) l
    JOIN (SELECT * FROM d365_keys WHERE accepted AND lines > 1) k USING (key, finer)
    WHERE l.rec <> k.first_rec`);
  const rejectedCount = `SELECT coalesce(sum(CASE WHEN accepted THEN lines - 1 ELSE lines END), 0) AS n FROM d365_keys
    WHERE (NOT accepted AND NOT out_of_scope) OR (accepted AND lines > 1)`;
  let itemGroups: string | undefined;
  let needsLineNumbers = false;
  if (itemGroupColumn) {
    await db.run(`CREATE OR REPLACE TABLE d365_item_groups AS SELECT item, ${sql.argMin('item_group', 'rec')} AS item_group,
      min(item_group) <> max(item_group) AS groups_differ FROM ${view}
      WHERE reason IS NULL AND NOT out_of_scope AND item_group <> '' GROUP BY item`);
    itemGroups = 'd365_item_groups';
    // Without line numbers "the first line's group" is unknown when an item's lines name several.
    if (loaded.scanned) needsLineNumbers = (await db.one<{ n: number }>('SELECT count(*) AS n FROM d365_item_groups WHERE groups_differ')).n > 0;
  }
  let spelling = company ?? config.company;
  if (loaded.scanned) {
    // Clean means nothing to name by its line: no rejected or repeated line, one spelling of the company.
    // Keys start with the company: when the lowest and the highest key name the same one, every key does.
    const scan = await db.one<{ parsed: number; unclean: number; first: string | null; last: string | null }>(`SELECT coalesce(sum(lines), 0) AS parsed,
      count(*) FILTER (WHERE (NOT accepted AND NOT out_of_scope) OR (accepted AND lines > 1)) AS unclean,
      min(key) FILTER (WHERE accepted) AS first, max(key) FILTER (WHERE accepted) AS last FROM d365_keys`);
    const companyOf = (key: string | null) => key?.split(KEY_SEPARATOR, 1)[0];
    loaded.parsed = scan.parsed;
    needsLineNumbers ||= scan.unclean > 0 || companyOf(scan.first) !== companyOf(scan.last);
    spelling = companyOf(scan.first) ?? config.company;
  }
  return {
    loaded, view, repeats: 'd365_repeats', rejectedCount, company: spelling, itemGroups, needsLineNumbers,
    outOfScopeCount: `SELECT coalesce(sum(lines), 0) AS n FROM d365_keys WHERE out_of_scope`,
    rejectedKeyFields: KEY_FIELDS,
  };
}

/**
 * D365 quantities at the compare level. When the file's fields beyond the level hold one value throughout
 * (no serials, no owners), its per-key table already is at the level and is used as it is.
 */
export async function d365AtLevel(db: Session): Promise<AtLevel> {
  const { oneValue } = await db.one<{ oneValue: boolean | null }>('SELECT min(finer) = max(finer) AS oneValue FROM d365_keys WHERE accepted');
  if (oneValue === false) {
    await db.run('CREATE OR REPLACE TABLE d365_at_level AS SELECT key, sum(qty) AS qty FROM d365_keys WHERE accepted GROUP BY key');
    return { relation: 'SELECT key, qty FROM d365_at_level' };
  }
  return { relation: 'SELECT key, qty FROM d365_keys WHERE accepted' };
}

/** The SQL of a key as one string, identical to core's keyString: fields not compared are empty. */
export function keyStringSql(sql: SqlDialect, compared: readonly string[]): string {
  return `concat_ws(${sql.keySeparator}, ${KEY_FIELDS.map((f) => (compared.includes(f) ? f : `''`)).join(', ')})`;
}

/** Valuation lines: item, site, warehouse, quantity and amount, for the unit cost of a key. */
export async function normalizeValuation(db: Session, loaded: LoadedTable,
  columns: NonNullable<ReconcileConfig['d365']['valuation']>['columns']): Promise<NormalizedLines> {
  const sql = db.dialect;
  const key = 'd365.valuation.columns';
  const optional = (field: 'site' | 'warehouse') =>
    (columns[field] ? textOf(sql, requireColumn(loaded, `${key}.${field}`, columns[field])) : `''`);
  const view = 'valuation_lines';
  await db.run(`CREATE OR REPLACE VIEW ${view} AS
    WITH t AS (SELECT ${loaded.rec} AS rec, ${textOf(sql, requireColumn(loaded, `${key}.item`, columns.item))} AS item,
      ${optional('site')} AS site, ${optional('warehouse')} AS warehouse,
      ${textOf(sql, requireColumn(loaded, `${key}.quantity`, columns.quantity))} AS qty_text,
      ${textOf(sql, requireColumn(loaded, `${key}.amount`, columns.amount))} AS amount_text FROM ${loaded.table}),
    l AS (SELECT *, ${sql.toDouble('qty_text')} AS qty_value, ${sql.toDouble('amount_text')} AS amount_value FROM t)
    SELECT l.rec, l.item, l.site, l.warehouse, l.qty_value AS qty, l.amount_value AS amount,
      ${reasons(numberCheck(sql, 'l.qty_text', 'l.qty_value', 'quantity'), { when: `l.item = ''`, why: `'item is empty'` },
    numberCheck(sql, 'l.amount_text', 'l.amount_value', 'amount'))} AS reason
    FROM l`);
  // A rejected valuation line leaves its item's cost short of a line: every key of the item is incomplete.
  return {
    loaded, view, repeats: undefined, rejectedCount: `SELECT count(*) AS n FROM ${view} WHERE reason IS NOT NULL`,
    rejectedKeyFields: ['item'],
  };
}

/** The SKU cross-reference file, as a map. An empty SKU or item is rejected, and a repeated SKU after its first line. */
export async function normalizeItemXref(db: Session, loaded: LoadedTable,
  columns: { sku: string; item: string } & Partial<Record<(typeof PRODUCT_DIMENSIONS)[number], string>>):
  Promise<NormalizedLines & { items: Map<string, ItemMappingTarget> }> {
  const sql = db.dialect;
  const key = 'mappings.items.columns';
  const dims = PRODUCT_DIMENSIONS.map((d) => {
    const name = columns[d];
    return `${name ? textOf(sql, requireColumn(loaded, `${key}.${d}`, name)) : `''`} AS ${d}`;
  });
  const view = 'item_xref_lines';
  await db.run(`CREATE OR REPLACE VIEW ${view} AS
    WITH l AS (SELECT ${loaded.rec} AS rec, ${textOf(sql, requireColumn(loaded, `${key}.sku`, columns.sku))} AS sku,
      ${textOf(sql, requireColumn(loaded, `${key}.item`, columns.item))} AS item, ${dims.join(', ')} FROM ${loaded.table})
    SELECT *, ${reasons({ when: `sku = ''`, why: `'sku is empty'` }, { when: `item = ''`, why: `'item is empty'` })} AS reason,
      min(CASE WHEN sku <> '' AND item <> '' THEN rec END) OVER (PARTITION BY sku) AS first_rec
    FROM l`);
  const items = new Map<string, ItemMappingTarget>();
  for (const row of await db.all<Record<string, string>>(`SELECT * FROM ${view} WHERE reason IS NULL AND rec = first_rec`)) {
    items.set(row.sku!, { item: row.item!, ...Object.fromEntries(PRODUCT_DIMENSIONS.map((d) => [d, row[d] ?? ''])) });
  }
  await db.run(`CREATE OR REPLACE VIEW item_xref_repeats AS SELECT rec, first_rec FROM ${view} WHERE reason IS NULL AND rec <> first_rec`);
  return { loaded, view, repeats: 'item_xref_repeats', items,
    rejectedCount: `SELECT count(*) AS n FROM ${view} WHERE reason IS NOT NULL OR rec <> first_rec` };
}

/**
 * The D365 item file (a Released products export): each item's group, for threshold rules scoped by item group.
 * An empty item is rejected, and a repeated item after its first line.
 */
export async function normalizeD365Items(db: Session, loaded: LoadedTable,
  columns: NonNullable<ReconcileConfig['d365']['items']>['columns']): Promise<NormalizedLines & { itemGroups: string }> {
  const sql = db.dialect;
  const key = 'd365.items.columns';
  const view = 'd365_items_lines';
  await db.run(`CREATE OR REPLACE VIEW ${view} AS
    WITH l AS (SELECT ${loaded.rec} AS rec, ${textOf(sql, requireColumn(loaded, `${key}.item`, columns.item))} AS item,
      ${textOf(sql, requireColumn(loaded, `${key}.itemGroup`, columns.itemGroup))} AS item_group FROM ${loaded.table})
    SELECT *, CASE WHEN item = '' THEN 'item is empty' END AS reason,
      min(CASE WHEN item <> '' THEN rec END) OVER (PARTITION BY item) AS first_rec
    FROM l`);
  await db.run(`CREATE OR REPLACE TABLE d365_items_groups AS SELECT item, item_group FROM ${view} WHERE reason IS NULL AND rec = first_rec AND item_group <> ''`);
  await db.run(`CREATE OR REPLACE VIEW d365_items_repeats AS SELECT rec, first_rec FROM ${view} WHERE reason IS NULL AND rec <> first_rec`);
  return { loaded, view, repeats: 'd365_items_repeats', itemGroups: 'd365_items_groups',
    rejectedCount: `SELECT count(*) AS n FROM ${view} WHERE reason IS NOT NULL OR rec <> first_rec` };
}

export interface WmsMappings {
  config: ReconcileConfig;
  /** The company as D365 spells it: WMS lines take it, so both sides share their keys. */
  company: string;
  items: ReadonlyMap<string, ItemMappingTarget>;
  level: readonly LevelField[];
}

type WmsColumns = ReconcileConfig['wms']['onHand']['columns'];

/**
 * WMS on-hand or in-flight lines: facility → site and warehouse, SKU → item and dimensions, status words,
 * units converted into the D365 inventory unit. A field whose mapping fails is NULL on the rejected line.
 */
export async function normalizeWms(db: Session, loaded: LoadedTable, configKey: 'wms.onHand' | 'wms.inFlight',
  columns: WmsColumns, mappings: WmsMappings): Promise<NormalizedLines & { atLevel: AtLevel; lineCounts: string }> {
  const sql = db.dialect;
  const prefix = configKey === 'wms.onHand' ? 'wms' : 'inflight';
  const column = (field: keyof WmsColumns, required: boolean) => {
    const name = columns[field];
    if (name === undefined) return undefined;
    return required ? requireColumn(loaded, `${configKey}.columns.${field}`, name) : findColumn(loaded, name);
  };
  // On-hand fields the WMS lacks are dropped from the level; in-flight quantities must then carry every field
  // left, or they would land on keys that do not exist.
  for (const field of ['location', 'batch', 'serial', 'status', 'owner'] as const) {
    if (configKey === 'wms.inFlight' && mappings.level.includes(field) && columns[field] === undefined) {
      throw new InputError(`${configKey}.columns.${field} is missing: the compare level includes ${field}, so in-flight quantities must name it too `
        + `(or leave ${field} out of compareLevel)`);
    }
  }
  const sku = textOf(sql, column('item', true));
  const facility = textOf(sql, column('facility', true));
  const quantityText = textOf(sql, column('quantity', true));
  const unit = columns.unit ? textOf(sql, column('unit', true)) : undefined;
  const compareStatus = mappings.level.includes('status');
  const status = compareStatus ? textOf(sql, column('status', true)) : `''`;
  const { units, facilities, statuses } = mappings.config.mappings;

  // One decision per distinct value, made by the rules in core/ and joined back; one scan finds the values.
  const distinct = await db.columns(`SELECT sku, unit, facility, status_word, grouping(sku) = 0 AS is_item, grouping(facility) = 0 AS is_facility
    FROM (SELECT ${sku} AS sku, ${unit ?? `''`} AS unit, ${facility} AS facility, ${status} AS status_word FROM ${loaded.table})
    GROUP BY GROUPING SETS ((sku, unit), (facility), (status_word))`);
  const itemRows: Array<Array<string | number | null>> = [];
  const facilityRows: Array<Array<string | null>> = [];
  const statusRows: Array<Array<string | null>> = [];
  distinct.sku!.forEach((_, i) => {
    if (distinct.is_item![i]) {
      const code = String(distinct.sku![i]);
      const unitWritten = String(distinct.unit![i]);
      const mapped = mapItem(mappings.items, code);
      if (!mapped.ok) { itemRows.push([code, unitWritten, null, ...PRODUCT_DIMENSIONS.map(() => null), null, mapped.reason]); return; }
      // Dimensions from the cross-reference win; an SKU it does not list keeps the WMS's own dimension columns.
      const listed = mappings.items.has(code);
      const dims = PRODUCT_DIMENSIONS.map((d) => (listed ? mapped.value[d] ?? '' : null));
      const factor = unit === undefined ? { ok: true as const, value: 1 } : unitFactor(units, mapped.value.item, unitWritten);
      itemRows.push([code, unitWritten, mapped.value.item, ...dims, factor.ok ? factor.value : null, factor.ok ? null : factor.reason]);
    } else if (distinct.is_facility![i]) {
      const code = String(distinct.facility![i]);
      const mapped = mapFacility(facilities, code);
      facilityRows.push(mapped.ok ? [code, mapped.value.site, mapped.value.warehouse, null] : [code, null, null, mapped.reason]);
    } else {
      const word = String(distinct.status_word![i]);
      const mapped = mapStatus(statuses, word);
      statusRows.push(mapped.ok ? [word, mapped.value, null] : [word, null, mapped.reason]);
    }
  });
  await db.run(`CREATE OR REPLACE TABLE ${prefix}_item_map (sku VARCHAR, unit VARCHAR, item VARCHAR,
    ${PRODUCT_DIMENSIONS.map((d) => `${d} VARCHAR`).join(', ')}, factor DOUBLE, reason VARCHAR)`);
  await db.append(`${prefix}_item_map`, itemRows);
  await db.run(`CREATE OR REPLACE TABLE ${prefix}_facility_map (facility VARCHAR, site VARCHAR, warehouse VARCHAR, reason VARCHAR)`);
  await db.append(`${prefix}_facility_map`, facilityRows);

  const converted = 'l.qty_value * im.factor';
  // The range is what Dataverse stores of the quantity in D365 units, after conversion.
  const convertedDetail = unit === undefined ? `''`
    : `' ' || l.unit || CASE WHEN im.factor <> 1 THEN ' (' || ${sql.shortNumber(converted)} || ' in the D365 unit)' ELSE '' END`;
  const joins = [`LEFT JOIN ${prefix}_item_map im ON im.sku = l.sku AND im.unit = l.unit`,
    `LEFT JOIN ${prefix}_facility_map fm ON fm.facility = l.facility`];
  const why = [numberCheck(sql, 'l.qty_text', 'l.qty_value', 'quantity'), rangeCheck(sql, converted, QUANTITY_RANGE, 'quantity', 'l.qty_text', convertedDetail),
    reasonColumn('im.reason'), reasonColumn('fm.reason')];
  let statusValue = `''`;
  if (compareStatus) {
    await db.run(`CREATE OR REPLACE TABLE ${prefix}_status_map (word VARCHAR, status VARCHAR, reason VARCHAR)`);
    await db.append(`${prefix}_status_map`, statusRows);
    joins.push(`LEFT JOIN ${prefix}_status_map sm ON sm.word = l.status_word`);
    why.push(reasonColumn('sm.reason'));
    statusValue = 'sm.status';
  }

  const levelText = (field: 'location' | 'batch' | 'serial' | 'owner') =>
    (mappings.level.includes(field) ? textOf(sql, column(field, true)) : `''`);
  const mappedFields: Record<KeyField, string> = {
    company: sql.string(mappings.company), item: 'coalesce(im.item, l.sku)',
    ...Object.fromEntries(PRODUCT_DIMENSIONS.map((d) => [d, `coalesce(im.${d}, l.${d})`])) as Record<(typeof PRODUCT_DIMENSIONS)[number], string>,
    site: 'fm.site', warehouse: 'fm.warehouse', location: 'l.location', batch: 'l.batch', serial: 'l.serial', status: statusValue, owner: 'l.owner',
  };
  why.push(...lengthChecks(sql, comparedFields(mappings.level).filter((f) => f !== 'company').map((f): [KeyField, string] => [f, mappedFields[f]])));
  const view = `${prefix}_lines`;
  await db.run(`CREATE OR REPLACE VIEW ${view} AS
    WITH l AS (
      SELECT ${loaded.rec} AS rec, ${sku} AS sku, ${facility} AS facility, ${status} AS status_word,
        ${unit ?? `''`} AS unit, ${quantityText} AS qty_text, ${sql.toDouble(quantityText)} AS qty_value,
        ${PRODUCT_DIMENSIONS.map((d) => `${textOf(sql, column(d, false))} AS ${d}`).join(', ')},
        ${levelText('location')} AS location, ${levelText('batch')} AS batch,
        ${levelText('serial')} AS serial, ${levelText('owner')} AS owner
      FROM ${loaded.table})
    SELECT l.rec, ${KEY_FIELDS.map((f) => `${mappedFields[f]} AS ${f}`).join(', ')},
      ${converted} AS qty,
      ${reasons(...why)} AS reason
    FROM l ${joins.join('\n    ')}`);
  // Summed to the compare level in the same pass that counts the rejected lines (grouped apart).
  await db.run(`CREATE OR REPLACE TABLE ${prefix}_at_level AS SELECT ${keyStringSql(sql, comparedFields(mappings.level))} AS key,
    reason IS NULL AS accepted, sum(qty) AS qty, count(*) AS lines FROM ${view} ${sql.groupByAll}`);
  return {
    loaded, view, repeats: undefined,
    rejectedCount: `SELECT coalesce(sum(lines), 0) AS n FROM ${prefix}_at_level WHERE NOT accepted`,
    rejectedKeyFields: KEY_FIELDS,
    atLevel: { relation: `SELECT key, qty FROM ${prefix}_at_level WHERE accepted` },
    /** Accepted lines per key (`key`, `lines`), so the likely causes read lines only where a key has several. */
    lineCounts: `SELECT key, lines FROM ${prefix}_at_level WHERE accepted`,
  };
}
