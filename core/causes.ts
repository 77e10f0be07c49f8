/**
 * Likely causes of differences (issue 18, README "Likely causes"): rules over a run's classified discrepancies that
 * name the probable fault behind each one, with the figures that show it and what to check, so a pack size mapped
 * wrong or a message sent twice surfaces as one fault instead of many corrections (DOMAIN.md §1, §5). Pure: the job
 * gathers the lines and the history the rules need; the job, the grid and the review service share the words.
 */
import type { UnitConversion } from './config.js';
import type { Discrepancy } from './discrepancy.js';
import { KEY_FIELDS, keyString, type KeyField } from './keys.js';

/** In the order of the issue's table; among findings of equal confidence the earlier cause is the stronger. */
export const CAUSES = ['uom-factor', 'bin-move', 'duplicate-line', 'missing-line', 'sign-flip', 'in-flight-partial', 'persistent', 'negative-on-hand'] as const;
export type Cause = (typeof CAUSES)[number];

/**
 * high: the figures match exactly and a coincidence is unlikely, or the fact itself is certain; act on it.
 * medium: an exact match on one line's or one document's quantity, or a group that nets to zero; check first.
 * low: the figures fit, but so does another explanation, which the evidence names.
 */
export const CONFIDENCES = ['high', 'medium', 'low'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

export interface CauseDescription {
  /** The cause's name in the app (the Dataverse choice label). */
  label: string;
  /** How a repeated cause reads in the run's summary: "14 lines in warehouse 12 look like …". */
  lookLike: string;
  check: string;
}

export const CAUSE_INFO: Record<Cause, CauseDescription> = {
  'uom-factor': {
    label: 'Unit of measure factor',
    lookLike: 'a unit of measure error',
    check: 'Check the pack size of the item in the WMS and in mappings.units, and the unit the WMS line was entered in; fix the mapping or the line, not the stock.',
  },
  'bin-move': {
    label: 'Bin or status move',
    lookLike: 'moves between bins or statuses that D365 never heard of',
    check: 'Check the WMS movement and status-change history of both keys; post the move in D365 (transfer or status change) instead of two corrections.',
  },
  'duplicate-line': {
    label: 'Duplicate line',
    lookLike: 'a line or message counted twice',
    check: 'Check the WMS export and the integration log for the repeated line or message; remove the duplicate rather than correcting stock.',
  },
  'missing-line': {
    label: 'Missing line',
    lookLike: 'a document lost on its way to D365',
    check: 'Check the integration log for a second document of that quantity; reprocess the lost message instead of adjusting stock.',
  },
  'sign-flip': {
    label: 'Sign flip',
    lookLike: 'quantities posted with the wrong sign',
    check: 'Check the last transactions of the key in D365 and the WMS for a receipt posted as an issue (or the reverse); reverse that posting.',
  },
  'in-flight-partial': {
    label: 'Partly in flight',
    lookLike: 'differences mostly still in flight',
    check: 'Let the in-flight documents post; count only if the rest is still there next run.',
  },
  persistent: {
    label: 'Persistent',
    lookLike: 'the same residual run after run',
    check: 'Request a transaction audit: the same residual every run is a process or integration fault that counts and corrections do not fix.',
  },
  'negative-on-hand': {
    label: 'Negative on-hand',
    lookLike: 'negative on-hand in D365',
    check: 'Check the D365 issues posted before their receipts (negative physical inventory allowed): post the missing receipt or reverse the issue.',
  },
};

/** Evidence fits a Dataverse text column and a tooltip; longer lists end with "…". */
export const MAX_EVIDENCE_LENGTH = 500;

export interface CauseFinding {
  cause: Cause;
  confidence: Confidence;
  /** Short text naming the figures, lines or other keys, ending with the confidence. */
  evidence: string;
  /** For uom-factor: the conversion the figures fit, so repeated unit errors group by it. */
  conversion?: { unit: string; factor: number } | undefined;
}

/** One accepted WMS on-hand or in-flight line of a key, as the rules need it (the job reads them for non-balanced keys). */
export interface SourceLine {
  /** The file's name and the record's line in it (the header is line 1). */
  file: string;
  line: number;
  /** The quantity and unit as written, the factor that converted it, and the result in D365 units. */
  writtenQty: number;
  unit: string;
  factor: number;
  qty: number;
  /** Where the line says the stock is (facility, bin, lot, status), for the evidence. */
  place: string;
  /** Every field the config reads from the line, quantity and unit included: equal signatures are the same line twice. */
  signature: string;
}

export interface PreviousResidual { runId: string; residual: number }

export interface CauseContext {
  /** Accepted lines by core's keyString of their key at the compare level; keys without lines may be absent. */
  wmsLines: ReadonlyMap<string, readonly SourceLine[]>;
  inFlightLines: ReadonlyMap<string, readonly SourceLine[]>;
  /** The conversions known for items (mappings.units): an item's own and those for every item (`*`). */
  units: { default: string; conversions: readonly UnitConversion[] };
  /** The key's residuals in earlier runs in which it was Material, most recent first. */
  previousResiduals: ReadonlyMap<string, readonly PreviousResidual[]>;
  /** Runs unbalanced with the same residual that make a key persistent (the config's audit.afterRuns). */
  persistentAfterRuns: number;
}

const TOLERANCE = 1e-6;
/** Quantities are stored to 6 decimals; a factor like 1/12 leaves float dust beyond them. */
const same = (a: number, b: number): boolean => Math.abs(a - b) <= TOLERANCE + 1e-9 * Math.max(Math.abs(a), Math.abs(b));
/** "≈" for a whole key: within 2 % (a loose unit or two beside the mis-converted cases). */
const close = (a: number, b: number): boolean => b !== 0 && Math.abs(a - b) <= 0.02 * Math.abs(b);

/** A quantity as the evidence shows it: plain, up to 6 decimals, no exponent. */
export function quantityText(n: number): string {
  const rounded = Math.round(n * 1e6) / 1e6 + 0;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(6).replace(/0+$/, '');
}
const signed = (n: number): string => (n > 0 ? `+${quantityText(n)}` : quantityText(n));
const valueText = (n: number): string => (Math.round(n * 100) / 100 + 0).toFixed(2);
const upper = (unit: string): string => unit.toUpperCase();

const FINER_FIELDS: ReadonlyArray<[KeyField, string]> = [['location', 'bin'], ['batch', 'batch'], ['serial', 'serial'], ['status', 'status'], ['owner', 'owner']];

/** The fields in which another key of the same item and warehouse differs from this one: "bin A-02, status Blocked". */
function whereElse(other: Discrepancy, from: Discrepancy): string {
  const differing = FINER_FIELDS.filter(([field]) => other[field] !== from[field]).map(([field, name]) => `${name} ${other[field] || '(none)'}`);
  return differing.join(', ');
}

/** Appends to the list of a key, creating it: groups of thousands stay linear. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const lineName = (l: SourceLine): string => `${l.file} line ${l.line}`;
const linesNamed = (lines: readonly SourceLine[]): string => {
  const names = lines.map((l) => String(l.line));
  return `${lines[0]!.file} lines ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
};
const written = (l: SourceLine): string => `${quantityText(l.writtenQty)} ${upper(l.unit)}`;

function finding(cause: Cause, confidence: Confidence, evidence: string, conversion?: CauseFinding['conversion']): CauseFinding {
  const text = `${evidence} (${confidence} confidence)`;
  return { cause, confidence, evidence: text.length > MAX_EVIDENCE_LENGTH ? `${text.slice(0, MAX_EVIDENCE_LENGTH - 1)}…` : text, conversion };
}

/** The conversions that apply to an item, its own winning over `*` for the same unit, plus the default unit (factor 1). */
export function conversionsFor(units: CauseContext['units'], item: string): Array<{ unit: string; factor: number; scope: string }> {
  const byUnit = new Map<string, { unit: string; factor: number; scope: string }>();
  for (const c of units.conversions) {
    const unit = c.from.toLowerCase();
    if (c.item === item && item !== '*') byUnit.set(unit, { unit, factor: c.factor, scope: item });
    else if (c.item === '*' && !byUnit.has(unit)) byUnit.set(unit, { unit, factor: c.factor, scope: 'all items' });
  }
  byUnit.set(units.default.toLowerCase(), { unit: units.default.toLowerCase(), factor: 1, scope: 'the default unit' });
  return [...byUnit.values()];
}

/** What D365 should hold according to the WMS: its quantity less what is still on its way. */
const expectedByWms = (d: Discrepancy): number => d.wmsQty - d.inFlightQty;

/** What the rules know of one key: its lines, its history and its item's conversions, looked up once. */
interface KeyFacts {
  wmsLines: readonly SourceLine[];
  inFlightLines: readonly SourceLine[];
  previousResiduals: readonly PreviousResidual[];
  conversions: ReadonlyArray<{ unit: string; factor: number; scope: string }>;
  defaultUnit: string;
  persistentAfterRuns: number;
}

function unitOfMeasure(d: Discrepancy, facts: KeyFacts): CauseFinding | undefined {
  const { conversions } = facts;
  const base = upper(facts.defaultUnit);
  const expected = expectedByWms(d);
  const factorText = (c: { unit: string; factor: number; scope: string }) =>
    (c.factor === 1 ? 'the default unit' : `1 ${upper(c.unit)} = ${quantityText(c.factor)} ${base} for ${c.scope}`);
  for (const exact of [true, false]) {
    const fits = exact ? same : close;
    for (const c of conversions) {
      if (c.factor === 1 || d.d365Qty === 0 || expected === 0) continue;
      if (fits(expected, d.d365Qty * c.factor)) {
        return finding('uom-factor', exact ? 'high' : 'medium', `WMS ${quantityText(expected)} ${exact ? '=' : '≈'} D365 ${quantityText(d.d365Qty)} × ${quantityText(c.factor)} `
          + `(${factorText(c)}): D365 holds ${upper(c.unit)} where the WMS counts ${base}, or the WMS converted twice`, { unit: c.unit, factor: c.factor });
      }
      if (fits(d.d365Qty, expected * c.factor)) {
        return finding('uom-factor', exact ? 'high' : 'medium', `D365 ${quantityText(d.d365Qty)} ${exact ? '=' : '≈'} WMS ${quantityText(expected)} × ${quantityText(c.factor)} `
          + `(${factorText(c)}): the WMS quantity looks like ${upper(c.unit)} taken as ${base}`, { unit: c.unit, factor: c.factor });
      }
    }
  }
  // One line in the wrong unit: it was converted with factor g where f was meant, so the key is off by written × (g − f).
  // A single unit says too little: 1 × (12 − 1) = 11 is a common miscount, so such lines are not evidence.
  for (const l of facts.wmsLines) {
    if (Math.abs(l.writtenQty) < 2) continue;
    for (const c of conversions) {
      if (same(c.factor, l.factor) || !same(d.residual, l.writtenQty * (l.factor - c.factor))) continue;
      return finding('uom-factor', 'medium', `${lineName(l)} (${written(l)}, ${l.place}) read as ${upper(c.unit)} (${factorText(c)}) `
        + `would be ${quantityText(l.writtenQty * c.factor)}: ${quantityText(l.writtenQty)} × (${quantityText(l.factor)} − ${quantityText(c.factor)}) = ${signed(d.residual)}, the residual`,
      { unit: c.unit === facts.defaultUnit.toLowerCase() ? l.unit.toLowerCase() : c.unit, factor: Math.max(c.factor, l.factor) / Math.min(c.factor, l.factor) });
    }
  }
  return undefined;
}

function signFlip(d: Discrepancy, facts: KeyFacts): CauseFinding | undefined {
  const expected = expectedByWms(d);
  if (d.d365Qty !== 0 && same(expected, -d.d365Qty)) {
    return finding('sign-flip', 'high', `WMS ${quantityText(expected)} and D365 ${quantityText(d.d365Qty)}: the same quantity with opposite signs, `
      + `so the residual ${signed(d.residual)} is twice one side`);
  }
  for (const l of facts.wmsLines) {
    if (l.qty < 0 && same(d.residual, 2 * l.qty)) {
      return finding('sign-flip', 'medium', `${lineName(l)} is ${written(l)} (${l.place}); as ${quantityText(-l.writtenQty)} the key balances: `
        + `the residual ${signed(d.residual)} is twice it`);
    }
  }
  return undefined;
}

/** Lines of a key grouped by signature, the repeated ones only. */
function repeated(lines: readonly SourceLine[]): SourceLine[][] {
  const groups = new Map<string, SourceLine[]>();
  for (const l of lines) pushTo(groups, l.signature, l);
  return [...groups.values()].filter((g) => g.length > 1);
}

function duplicateLine(d: Discrepancy, facts: KeyFacts): CauseFinding | undefined {
  for (const group of repeated(facts.wmsLines)) {
    const first = group[0]!;
    if (first.qty !== 0 && same(d.residual, (group.length - 1) * first.qty)) {
      return finding('duplicate-line', 'high', `${linesNamed(group)} are the same line (${written(first)}, ${first.place}): `
        + `the residual ${signed(d.residual)} is the repeat`);
    }
  }
  const inFlight = facts.inFlightLines;
  for (const group of repeated(inFlight)) {
    const first = group[0]!;
    if (first.qty !== 0 && same(d.residual, -(group.length - 1) * first.qty)) {
      return finding('duplicate-line', 'high', `${linesNamed(group)} are the same in-flight line (${written(first)}, ${first.place}): `
        + `the residual ${signed(d.residual)} is the repeat`);
    }
  }
  for (const l of inFlight) {
    if (l.qty !== 0 && same(d.residual, -l.qty)) {
      return finding('duplicate-line', 'medium', `${lineName(l)} (${written(l)} in flight, ${l.place}) is already in D365: `
        + `without it the key balances (residual ${signed(d.residual)})`);
    }
  }
  return undefined;
}

function missingLine(d: Discrepancy, facts: KeyFacts): CauseFinding | undefined {
  for (const l of facts.inFlightLines) {
    if (l.qty !== 0 && same(d.residual, l.qty)) {
      return finding('missing-line', 'low', `the residual ${signed(d.residual)} equals ${lineName(l)} (${written(l)} in flight, ${l.place}): `
        + `a second document of that quantity reached the WMS but neither D365 nor the in-flight list; or D365 posted that document with the wrong sign`);
    }
  }
  return undefined;
}

function inFlightPartial(d: Discrepancy): CauseFinding | undefined {
  const explainsPart = d.inFlightQty !== 0 && Math.sign(d.inFlightQty) === Math.sign(d.qtyVariance) && Math.abs(d.inFlightQty) < Math.abs(d.qtyVariance);
  if (!explainsPart || d.classification !== 'Immaterial') return undefined;
  return finding('in-flight-partial', 'high', `in flight ${signed(d.inFlightQty)} of the difference ${signed(d.qtyVariance)}; `
    + `the rest, ${signed(d.residual)}, is below the limits${d.rule ? ` of rule '${d.rule}'` : ''}`);
}

function persistent(d: Discrepancy, facts: KeyFacts): CauseFinding | undefined {
  const needed = facts.persistentAfterRuns;
  if (d.classification !== 'Material' || d.runsUnbalanced < needed) return undefined;
  const previous = facts.previousResiduals;
  let sameRuns = 0;
  while (sameRuns < previous.length && same(previous[sameRuns]!.residual, d.residual)) sameRuns += 1;
  if (sameRuns + 1 < needed) return undefined;
  const runs = previous.slice(0, sameRuns).map((r) => r.runId).reverse();
  return finding('persistent', 'high', `residual ${signed(d.residual)} in each of the last ${sameRuns + 1} runs `
    + `(${[...runs.slice(-4), 'this run'].join(', ')}); Material ${d.runsUnbalanced} runs in a row`);
}

function negativeOnHand(d: Discrepancy): CauseFinding | undefined {
  return d.d365Qty < 0 ? finding('negative-on-hand', 'high', `D365 on-hand is ${quantityText(d.d365Qty)}`) : undefined;
}

const LINE_RULES: ReadonlyArray<(d: Discrepancy, facts: KeyFacts) => CauseFinding | undefined> = [
  unitOfMeasure, signFlip, duplicateLine, missingLine, inFlightPartial, persistent, negativeOnHand,
];

/** Fields a move changes: stock taken from one bin to another, or from one status to another, keeps its batch. */
const MOVED_FIELDS: readonly KeyField[] = ['location', 'status'];
/** The key with its bin and status left out: keys that share it hold the same stock of one item in one warehouse. */
const movableKey = (d: Discrepancy): string => KEY_FIELDS.map((f) => (MOVED_FIELDS.includes(f) ? '' : d[f])).join('\u001f');

/**
 * Within one item, batch and warehouse, residuals in different bins or statuses that cancel: stock the WMS moved
 * and D365 never heard of. A pair that is the whole difference is high; a larger group netting to zero, or a pair
 * beside other differences, is medium. Keys that differ in batch are not a move and are never paired.
 */
function binMoves(discrepancies: readonly Discrepancy[]): Map<Discrepancy, CauseFinding> {
  const found = new Map<Discrepancy, CauseFinding>();
  // Most differences are alone in their item and warehouse: count those first, and build full keys only for the rest.
  const warehouses = discrepancies.map((d) => (d.residual === 0 ? '' : `${d.item}\u001f${d.site}\u001f${d.warehouse}`));
  const inWarehouse = new Map<string, number>();
  for (const w of warehouses) if (w !== '') inWarehouse.set(w, (inWarehouse.get(w) ?? 0) + 1);
  const groups = new Map<string, Discrepancy[]>();
  discrepancies.forEach((d, i) => {
    if (warehouses[i] !== '' && inWarehouse.get(warehouses[i]!)! > 1) pushTo(groups, movableKey(d), d);
  });
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    group.sort((a, b) => (keyString(a) < keyString(b) ? -1 : 1));
    const net = group.reduce((sum, d) => sum + d.residual, 0);
    const cancels = same(net, 0) && group.some((d) => d.residual > 0) && group.some((d) => d.residual < 0);
    const first = group[0]!;
    const where = [`item ${first.item}`, ...(['color', 'size', 'style', 'config', 'version', 'batch', 'serial', 'owner'] as const)
      .filter((f) => first[f] !== '').map((f) => `${f} ${first[f]}`)].join(' ') + ` in warehouse ${first.warehouse}`;
    if (cancels && group.length > 2) {
      for (const d of group) {
        const others = group.filter((o) => o !== d).map((o) => `${whereElse(o, d)} (${signed(o.residual)})`);
        found.set(d, finding('bin-move', 'medium', `${signed(d.residual)} here and ${others.join('; ')} of ${where}: net 0 in the warehouse`));
      }
      continue;
    }
    const paired = new Set<Discrepancy>();
    for (const d of group) {
      if (paired.has(d) || d.residual <= 0) continue;
      const other = group.find((o) => !paired.has(o) && o.residual < 0 && same(o.residual, -d.residual));
      if (other === undefined) continue;
      paired.add(d).add(other);
      const confidence: Confidence = cancels ? 'high' : 'medium';
      const rest = cancels ? 'net 0 in the warehouse' : `the pair nets to 0; the other differences there net ${signed(net)}`;
      found.set(d, finding('bin-move', confidence, `${signed(d.residual)} here and ${signed(other.residual)} at ${whereElse(other, d)} of ${where}: ${rest}`));
      found.set(other, finding('bin-move', confidence, `${signed(other.residual)} here and ${signed(d.residual)} at ${whereElse(d, other)} of ${where}: ${rest}`));
    }
  }
  return found;
}

const strength = (f: CauseFinding): number => CONFIDENCES.indexOf(f.confidence) * CAUSES.length + CAUSES.indexOf(f.cause);

/** Every cause that fits one discrepancy, strongest first (the job keeps the first; tests look at all). */
export function causeFindings(discrepancies: readonly Discrepancy[], context: CauseContext): CauseFinding[][] {
  const moves = binMoves(discrepancies);
  // Most items have only the conversions for every item: one list serves them all.
  const ownConversions = new Set(context.units.conversions.map((c) => c.item));
  const shared = conversionsFor(context.units, '*');
  const conversions = new Map<string, KeyFacts['conversions']>();
  const conversionsOf = (item: string) => {
    if (!ownConversions.has(item)) return shared;
    if (!conversions.has(item)) conversions.set(item, conversionsFor(context.units, item));
    return conversions.get(item)!;
  };
  const none: readonly never[] = [];
  const byKey = context.wmsLines.size + context.inFlightLines.size + context.previousResiduals.size > 0;
  return discrepancies.map((d) => {
    // A difference the in-flight quantities fully explain (Timing) has its cause already; nothing is guessed.
    if (d.residual === 0) return [];
    const key = byKey ? keyString(d) : '';
    const facts: KeyFacts = {
      wmsLines: context.wmsLines.get(key) ?? none, inFlightLines: context.inFlightLines.get(key) ?? none,
      previousResiduals: context.previousResiduals.get(key) ?? none, conversions: conversionsOf(d.item),
      defaultUnit: context.units.default, persistentAfterRuns: context.persistentAfterRuns,
    };
    const all: CauseFinding[] = [];
    for (const rule of LINE_RULES) {
      const found = rule(d, facts);
      if (found) all.push(found);
    }
    const move = moves.get(d);
    if (move) all.push(move);
    return all.length > 1 ? all.sort((a, b) => strength(a) - strength(b)) : all;
  });
}

/** The strongest cause of each discrepancy, or undefined where no rule fits (aligned with the input). */
export function likelyCauses(discrepancies: readonly Discrepancy[], context: CauseContext): Array<CauseFinding | undefined> {
  return causeFindings(discrepancies, context).map((all) => all[0]);
}

export interface CauseTotals { lines: number; absoluteValue: number; netValue: number }

export type SystematicScope = { kind: 'item'; item: string } | { kind: 'warehouse'; site: string; warehouse: string } | { kind: 'run' };

/** A cause that repeats across many lines of one item or warehouse (or the whole run), reported once. */
export interface SystematicFinding {
  cause: Cause;
  scope: SystematicScope;
  conversion?: { unit: string; factor: number } | undefined;
  lines: number;
  absoluteValue: number;
  netValue: number;
  /** "14 lines in warehouse 12 (facility DAL2) look like a 12× unit error (CS): …" */
  text: string;
  check: string;
}

/** The run's causes for run.json: lines and value per cause (their sum is every discrepancy), and the systematic ones. */
export interface RunCauses {
  byCause: Record<Cause, CauseTotals>;
  withoutCause: CauseTotals;
  systematic: SystematicFinding[];
}

export interface CausedDiscrepancy { discrepancy: Discrepancy; finding: CauseFinding | undefined }

/** A cause is systematic when it holds for this many lines of one scope. */
export const SYSTEMATIC_MIN_LINES = 3;

export function causeTotals(rows: readonly CausedDiscrepancy[]): Pick<RunCauses, 'byCause' | 'withoutCause'> {
  const empty = (): CauseTotals => ({ lines: 0, absoluteValue: 0, netValue: 0 });
  const byCause = Object.fromEntries(CAUSES.map((c) => [c, empty()])) as Record<Cause, CauseTotals>;
  const withoutCause = empty();
  for (const { discrepancy, finding: f } of rows) {
    const totals = f ? byCause[f.cause] : withoutCause;
    totals.lines += 1;
    totals.absoluteValue += Math.abs(discrepancy.valueVariance);
    totals.netValue += discrepancy.valueVariance;
  }
  for (const totals of [...Object.values(byCause), withoutCause]) {
    totals.absoluteValue = Math.round(totals.absoluteValue * 100) / 100 + 0;
    totals.netValue = Math.round(totals.netValue * 100) / 100 + 0;
  }
  return { byCause, withoutCause };
}

export interface SystematicOptions {
  minLines?: number;
  /** The WMS facility of a D365 site and warehouse, to name it as the warehouse people know. */
  facilityOf?: (site: string, warehouse: string) => string | undefined;
}

/**
 * Causes that repeat, reported once: for each cause (and, for unit errors, each conversion) the item and warehouse
 * groups of at least `minLines` lines, largest first, each line in one finding only; then what is left across the run.
 */
export function systematicFindings(rows: readonly CausedDiscrepancy[], options: SystematicOptions = {}): SystematicFinding[] {
  const minLines = options.minLines ?? SYSTEMATIC_MIN_LINES;
  const findings: SystematicFinding[] = [];
  const byCause = new Map<string, Array<{ d: Discrepancy; f: CauseFinding }>>();
  for (const { discrepancy: d, finding: f } of rows) {
    if (f === undefined) continue;
    const group = `${f.cause}|${f.conversion ? `${f.conversion.unit}|${f.conversion.factor}` : ''}`;
    pushTo(byCause, group, { d, f });
  }
  for (const caused of byCause.values()) {
    if (caused.length < minLines) continue;
    const { cause, conversion } = caused[0]!.f;
    const scopes = new Map<string, { scope: SystematicScope; members: typeof caused }>();
    const add = (id: string, scope: SystematicScope, member: (typeof caused)[number]) => {
      const entry = scopes.get(id) ?? { scope, members: [] };
      entry.members.push(member);
      scopes.set(id, entry);
    };
    for (const member of caused) {
      add(`w|${member.d.site}|${member.d.warehouse}`, { kind: 'warehouse', site: member.d.site, warehouse: member.d.warehouse }, member);
      add(`i|${member.d.item}`, { kind: 'item', item: member.d.item }, member);
    }
    const ordered = [...scopes.values()].sort((a, b) => b.members.length - a.members.length
      || (a.scope.kind === 'warehouse' ? 0 : 1) - (b.scope.kind === 'warehouse' ? 0 : 1));
    const covered = new Set<Discrepancy>();
    const report = (scope: SystematicScope, members: typeof caused) => {
      const fresh = members.filter((m) => !covered.has(m.d));
      if (fresh.length < minLines) return;
      fresh.forEach((m) => covered.add(m.d));
      findings.push(systematicFinding(cause, conversion, scope, fresh.map((m) => m.d), options));
    };
    for (const { scope, members } of ordered) report(scope, members);
    report({ kind: 'run' }, caused);
  }
  return findings.sort((a, b) => b.lines - a.lines || b.absoluteValue - a.absoluteValue);
}

function systematicFinding(cause: Cause, conversion: SystematicFinding['conversion'], scope: SystematicScope,
  members: readonly Discrepancy[], options: SystematicOptions): SystematicFinding {
  const absoluteValue = Math.round(members.reduce((s, d) => s + Math.abs(d.valueVariance), 0) * 100) / 100 + 0;
  const netValue = Math.round(members.reduce((s, d) => s + d.valueVariance, 0) * 100) / 100 + 0;
  const facility = scope.kind === 'warehouse' ? options.facilityOf?.(scope.site, scope.warehouse) : undefined;
  const where = scope.kind === 'warehouse' ? ` in warehouse ${scope.warehouse}${facility ? ` (facility ${facility})` : ''}`
    : scope.kind === 'item' ? ` of item ${scope.item}` : ' across the run';
  const what = cause === 'uom-factor' && conversion
    ? `a ${quantityText(conversion.factor)}× unit error (${upper(conversion.unit)})` : CAUSE_INFO[cause].lookLike;
  const text = `${members.length} lines${where} look like ${what}: value ${valueText(absoluteValue)} (net ${valueText(netValue)})`;
  return { cause, scope, conversion, lines: members.length, absoluteValue, netValue, text, check: CAUSE_INFO[cause].check };
}

/** The run's summary of systematic findings as the run form shows it: one finding a line, with what to check. */
export function systematicSummaryText(findings: readonly SystematicFinding[]): string {
  return findings.map((f) => `${f.text}. ${f.check}`).join('\n');
}
