/**
 * The sandbox app shell: laid out like a model-driven app (sitemap, command bar, view selector) over the solution's
 * own metadata (/app/model.json, read from solution/src), hosting the real built VarianceGrid through a PCF context
 * over the emulator and running the real built command-bar script with the sandbox's Xrm.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as Fluent from '@fluentui/react-components';
import {
  Button, Dialog, DialogActions, Link, DialogBody, DialogContent, DialogSurface, DialogTitle, Dropdown, FluentProvider, Option, Spinner, Switch, Tab, TabList, Table, TableBody,
  TableCell, TableHeader, TableHeaderCell, TableRow, Text, Toolbar, ToolbarButton, makeStyles, tokens, webLightTheme,
} from '@fluentui/react-components';
import type { AppFormCell, AppModel, AppTable } from '../model.js';
import { FORMATTED, formattedValue, ViewDataset } from './dataset.js';
import { TrendCharts, type TrendPoint } from './trend.js';
import { DashboardPage } from './dashboard.js';
import { sandboxXrm, type SandboxUserInfo, type ShellUi } from './xrm.js';

/** The product roles a user holds, shortly: "Reviewer", "Approver". */
const roleLabel = (user: SandboxUserInfo) => user.roles.filter((r) => r.name.startsWith('Inventory')).map((r) => r.name.replace('Inventory Balance ', '')).join(', ');

type ShellModel = AppModel & { users: SandboxUserInfo[]; manifestDefaults: Record<string, string> };
type Control = ComponentFramework.ReactControl<Record<string, unknown>, Record<string, never>>;
type Row = Record<string, unknown>;
const origin = window.location.origin;

const useStyles = makeStyles({
  app: { display: 'grid', gridTemplateRows: '48px 1fr', gridTemplateColumns: '220px 1fr', height: '100vh', fontFamily: tokens.fontFamilyBase },
  header: { gridColumn: '1 / 3', display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalL, padding: `0 ${tokens.spacingHorizontalL}`,
    backgroundColor: tokens.colorBrandBackground, color: tokens.colorNeutralForegroundOnBrand },
  title: { flexGrow: 1, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  nav: { backgroundColor: tokens.colorNeutralBackground2, borderRight: `1px solid ${tokens.colorNeutralStroke2}`, padding: tokens.spacingVerticalM, overflowY: 'auto' },
  group: { margin: `${tokens.spacingVerticalM} 0 ${tokens.spacingVerticalXS}`, color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
  navItem: { display: 'flex', width: '100%', justifyContent: 'flex-start', fontWeight: tokens.fontWeightRegular },
  main: { display: 'flex', flexDirection: 'column', minWidth: 0, overflow: 'hidden', backgroundColor: tokens.colorNeutralBackground3 },
  commandBar: { backgroundColor: tokens.colorNeutralBackground1, borderBottom: `1px solid ${tokens.colorNeutralStroke2}`, flexWrap: 'wrap' },
  viewBar: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalM, padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}` },
  content: { flexGrow: 1, overflow: 'auto', padding: `0 ${tokens.spacingHorizontalL} ${tokens.spacingVerticalL}` },
  surface: { backgroundColor: tokens.colorNeutralBackground1, borderRadius: tokens.borderRadiusMedium, border: `1px solid ${tokens.colorNeutralStroke2}` },
  user: { minWidth: '260px' },
  progress: { position: 'fixed', inset: 0, backgroundColor: 'rgba(0,0,0,0.25)', display: 'flex', alignItems: 'center', justifyContent: 'center', zIndex: 1000 },
  progressBox: { backgroundColor: tokens.colorNeutralBackground1, padding: tokens.spacingHorizontalXXL, borderRadius: tokens.borderRadiusLarge, boxShadow: tokens.shadow16 },
  frame: { border: 'none', width: '100%', height: '100%' },
  alertText: { whiteSpace: 'pre-wrap' },
  number: { textAlign: 'right' },
  numberHeader: { '& > *': { justifyContent: 'flex-end', width: '100%' } },
  truncate: { display: 'block', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  inlineLink: { display: 'inline', whiteSpace: 'nowrap' },
  formContent: { maxHeight: '70vh', overflowY: 'auto', display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  formSection: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  panel: { border: 'none', width: '100%' },
  related: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
});

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`${src} could not be loaded: run npm run build`));
    document.head.appendChild(script);
  });
}

/** The platform libraries the control declares, then the control bundle; it registers through ComponentFramework. */
async function loadControl(): Promise<new () => Control> {
  const w = window as unknown as Record<string, unknown>;
  w.Reactv16 = React;
  w.FluentUIReactv940 = Fluent;
  let registered: (new () => Control) | undefined;
  w.ComponentFramework = { registerControl: (_name: string, ctor: new () => Control) => { registered = ctor; } };
  await loadScript('/controls/bundle.js');
  if (!registered) throw new Error('The VarianceGrid bundle did not register a control');
  return registered;
}

const libraries = new Map<string, Promise<void>>();
const loadLibrary = (name: string): Promise<void> => {
  let loaded = libraries.get(name);
  if (!loaded) { loaded = loadScript(`/webresources/${name}`); libraries.set(name, loaded); }
  return loaded;
};

function commandFunction(name: string): ((...args: unknown[]) => unknown) | undefined {
  let target: unknown = window;
  for (const part of name.split('.')) target = (target as Record<string, unknown> | undefined)?.[part];
  return typeof target === 'function' ? target as (...args: unknown[]) => unknown : undefined;
}

/**
 * A read-only grid of a view: the view's columns at the view's widths (a fixed layout, so long values truncate with
 * their full text on hover instead of running into the next column), a row action where the table has one.
 */
function SimpleGrid({ host, onOpen, action }: { host: ViewDataset; onOpen: (id: string) => void; action?: { label: (id: string) => string; run: (id: string) => void } | undefined }) {
  const styles = useStyles();
  const dataset = host.dataset;
  const columns = dataset.columns.filter((c) => c.order >= 0);
  const width = columns.reduce((sum, c) => sum + (c.visualSizeFactor || 100), action ? 150 : 0);
  return (
    <div className={styles.surface} style={{ overflowX: 'auto' }}>
      <Table size="small" aria-label={host.view.name} style={{ tableLayout: 'fixed', minWidth: `${width}px`, width: '100%' }}>
        <TableHeader><TableRow>{columns.flatMap((c, i) => [(
          <TableHeaderCell key={c.name} style={{ width: `${c.visualSizeFactor || 100}px` }} className={/Whole|Decimal/.test(c.dataType) ? styles.numberHeader : undefined}>
            <span className={styles.truncate} title={c.displayName}>{c.displayName}</span></TableHeaderCell>),
          ...(i === 0 && action ? [<TableHeaderCell key="related" style={{ width: '170px' }}><span className={styles.truncate}>Related</span></TableHeaderCell>] : [])])}
</TableRow></TableHeader>
        <TableBody>
          {dataset.sortedRecordIds.map((id) => (
            <TableRow key={id} onDoubleClick={() => onOpen(id)}>
              {columns.flatMap((c, i) => {
                const text = dataset.records[id]!.getFormattedValue(c.name);
                return [
                  <TableCell key={c.name} className={/Whole|Decimal/.test(c.dataType) ? styles.number : undefined}>
                    <span className={styles.truncate} title={text}>{i === 0 ? <Link as="button" className={styles.inlineLink} onClick={() => onOpen(id)}>{text}</Link> : text}</span>
                  </TableCell>,
                  ...(i === 0 && action ? [<TableCell key="related"><span className={styles.truncate}>
                    <Link as="button" className={styles.inlineLink} onClick={() => action.run(id)}>{action.label(id)}</Link></span></TableCell>] : []),
                ];
              })}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {host.loading ? <Spinner size="tiny" label="Loading…" /> : null}
    </div>
  );
}

async function trendPoints(webApi: Xrm.WebApi): Promise<TrendPoint[]> {
  const runs = await webApi.retrieveMultipleRecords('ibal_snapshotrun', '?$select=ibal_name,ibal_materialcount,ibal_materialabsolutevalue,ibal_d365asof&$orderby=ibal_d365asof asc');
  const reviewed: Row[] = [];
  let page = await webApi.retrieveMultipleRecords('ibal_discrepancy', '?$select=_ibal_run_value,ibal_reasoncode&$filter=ibal_reasoncode ne null', 5000);
  reviewed.push(...page.entities);
  while (page.nextLink) { page = await webApi.retrieveMultipleRecords('ibal_discrepancy', page.nextLink, 5000); reviewed.push(...page.entities); }
  return runs.entities.map((run) => {
    const reasons: Record<string, number> = {};
    for (const r of reviewed.filter((d) => d._ibal_run_value === run.ibal_snapshotrunid)) {
      const reason = String(r[`ibal_reasoncode${FORMATTED}`] ?? r.ibal_reasoncode);
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    return { run: String(run[`ibal_d365asof${FORMATTED}`] ?? run.ibal_name).split(' ')[0]!, material: Number(run.ibal_materialcount ?? 0), materialValue: Number(run.ibal_materialabsolutevalue ?? 0), reasons };
  });
}

/** A subgrid on a form: the view's rows whose lookup points at the record (the relationship's), read-only. */
function FormSubgrid({ cell, model, xrm, recordId }: { cell: Extract<AppFormCell, { kind: 'subgrid' }>; model: ShellModel; xrm: typeof Xrm; recordId: string }) {
  const [, setVersion] = React.useState(0);
  const target = model.tables[cell.targetEntity]!;
  const view = target.viewsById[cell.viewId] ?? target.views[0]!;
  const host = React.useMemo(() => {
    const h = new ViewDataset(xrm.WebApi, target, view, { changed: () => setVersion((v) => v + 1), selectionChanged: () => undefined, open: () => undefined });
    h.dataset.filtering.setFilter({ filterOperator: 0, conditions: [{ attributeName: cell.lookup, conditionOperator: 0, value: recordId }] } as never);
    void h.load(1);
    return h;
  }, [target, view, recordId]);
  return <div role="region" aria-label={cell.label}><SimpleGrid host={host} onOpen={() => undefined} /></div>;
}

/**
 * A record's main form as the solution defines it (FormXml): tabs, sections, fields, subgrids of related rows and
 * HTML web resources (passed the record's id and type, as PassParameters does). Read-only: users change data through
 * the review commands.
 */
function RecordForm({ table, row, model, xrm, onClose }: { table: AppTable; row: Row; model: ShellModel; xrm: typeof Xrm; onClose: () => void }) {
  const styles = useStyles();
  const names = Object.keys(table.columns);
  const show = (name: string): string => formattedValue(table, row, name);
  const id = String(row[table.primaryId]);
  const [tab, setTab] = React.useState(0);
  const fields = (list: string[]) => (
    <Table size="extra-small" aria-label={`${table.displayName} fields`}>
      <TableBody>
        {list.filter((n) => show(n) !== '').map((n) => (
          <TableRow key={n}><TableCell style={{ width: '220px' }}>{table.columns[n]?.displayName ?? n}</TableCell><TableCell className={styles.alertText}>{show(n)}</TableCell></TableRow>
        ))}
      </TableBody>
    </Table>
  );
  const form = table.form;
  const tabs = form?.tabs ?? [];
  const current = tabs[tab];
  return (
    <Dialog open onOpenChange={(_, data) => { if (!data.open) onClose(); }}>
      <DialogSurface style={{ maxWidth: '980px', width: '92vw' }}>
        <DialogBody>
          <DialogTitle>{table.displayName}: {show(names[0]!)}</DialogTitle>
          <DialogContent className={styles.formContent}>
            {!form ? fields(names) : <>
              {tabs.length > 1 ? <TabList selectedValue={tab} onTabSelect={(_, data) => setTab(Number(data.value))}>
                {tabs.map((t, i) => <Tab key={t.label} value={i}>{t.label}</Tab>)}</TabList> : null}
              {current?.sections.map((section) => (
                <section key={section.label} className={styles.formSection} aria-label={section.label}>
                  <Text weight="semibold">{section.label}</Text>
                  {fields(section.cells.filter((c): c is { kind: 'field'; name: string } => c.kind === 'field').map((c) => c.name))}
                  {section.cells.map((cell) => (cell.kind === 'subgrid'
                    ? <FormSubgrid key={`${cell.label}-${tab}`} cell={cell} model={model} xrm={xrm} recordId={id} />
                    : cell.kind === 'webresource'
                      ? <iframe key={`${cell.name}-${cell.data}`} title={cell.label} className={styles.panel} style={{ height: `${cell.rows * 34}px` }}
                        src={`/webresources/${cell.name}?id=${encodeURIComponent(`{${id.toUpperCase()}}`)}&typename=${table.logicalName}&data=${encodeURIComponent(cell.data)}`} />
                      : null))}
                </section>
              ))}
            </>}
          </DialogContent>
          <DialogActions><Button appearance="primary" onClick={onClose}>Close</Button></DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

function App({ model }: { model: ShellModel }) {
  const styles = useStyles();
  const [userId, setUserId] = React.useState(model.users.find((u) => u.roles.some((r) => r.name === 'Inventory Balance Reviewer'))?.id ?? model.users[0]!.id);
  const user = model.users.find((u) => u.id === userId)!;
  const [entity, setEntity] = React.useState('ibal_discrepancy');
  const [dashboardId, setDashboardId] = React.useState<string | undefined>(undefined);
  const dashboard = dashboardId ? model.dashboards[dashboardId] : undefined;
  const table = model.tables[entity]!;
  const [viewId, setViewId] = React.useState(table.views[0]!.id);
  const view = table.views.find((v) => v.id === viewId) ?? table.views[0]!;
  const [, setVersion] = React.useState(0);
  const rerender = React.useCallback(() => setVersion((v) => v + 1), []);
  const [selected, setSelected] = React.useState<string[]>([]);
  const [progress, setProgress] = React.useState<string | undefined>(undefined);
  const [alert, setAlert] = React.useState<{ title: string; text: string; done: () => void } | undefined>(undefined);
  const [dialog, setDialog] = React.useState<{ url: string; title: string; size: { width: number; height: number }; done: (value: unknown) => void } | undefined>(undefined);
  const [record, setRecord] = React.useState<{ table: AppTable; row: Row } | undefined>(undefined);
  const [settingsOpen, setSettingsOpen] = React.useState(false);
  const [ivFaults, setIvFaults] = React.useState(false);
  const [controlClass, setControlClass] = React.useState<(new () => Control) | undefined>(undefined);
  const [commandsReady, setCommandsReady] = React.useState(false);
  const [trend, setTrend] = React.useState<TrendPoint[]>([]);
  const [failure, setFailure] = React.useState<string | undefined>(undefined);

  const ui: ShellUi = React.useMemo(() => ({
    progress: (message) => setProgress(message),
    alert: (title, text) => new Promise<void>((resolve) => setAlert({ title, text, done: resolve })),
    dialog: (url, title, size) => new Promise<unknown>((resolve) => setDialog({ url, title, size, done: resolve })),
  }), []);
  const xrm = React.useMemo(() => sandboxXrm(origin, user, ui), [user, ui]);
  (window as unknown as { Xrm: typeof Xrm }).Xrm = xrm;

  React.useEffect(() => {
    loadControl().then((c) => setControlClass(() => c), (e: Error) => setFailure(e.message));
    loadScript(`/webresources/${model.commands[0]?.library ?? 'ibal_/scripts/commands.js'}`).then(() => setCommandsReady(true), (e: Error) => setFailure(e.message));
  }, [model]);

  // Focus goes back to where it was (the row, the command) when a form or dialog closes, not to the page body.
  const returnFocus = React.useRef<HTMLElement | null>(null);
  const restoreFocus = () => { const element = returnFocus.current; if (element?.isConnected) setTimeout(() => element.focus(), 0); };
  const openRecord = React.useCallback(async (id: string) => {
    returnFocus.current = document.activeElement as HTMLElement | null;
    const row = await xrm.WebApi.retrieveRecord(table.logicalName, id) as Row;
    setRecord({ table, row });
  }, [xrm, table]);

  // A run's discrepancies (its related grid): the view filtered on the run, through the dataset's filter as the
  // platform filters a related grid, so the control's whole-view totals cover exactly those rows.
  const [relatedRun, setRelatedRun] = React.useState<{ id: string; name: string } | undefined>(undefined);
  const host = React.useMemo(() => {
    setSelected([]);
    const h = new ViewDataset(xrm.WebApi, table, view, {
      changed: rerender, selectionChanged: (ids) => setSelected(ids), open: (reference) => { void openRecord(String((reference.id as unknown as { guid: string }).guid)); },
    });
    if (relatedRun && table.logicalName === 'ibal_discrepancy') {
      h.dataset.filtering.setFilter({ filterOperator: 0, conditions: [{ attributeName: 'ibal_run', conditionOperator: 0, value: relatedRun.id }] } as never);
    }
    void h.load(1);
    void h.count();
    return h;
  }, [table, view, xrm, relatedRun]);
  const showRunDiscrepancies = (runId: string) => {
    const record = host.dataset.records[runId];
    setRelatedRun({ id: runId, name: record?.getFormattedValue('ibal_name') ?? runId });
    setEntity('ibal_discrepancy');
    setViewId(model.tables.ibal_discrepancy!.views.find((v) => v.name === 'All discrepancies')?.id ?? model.tables.ibal_discrepancy!.views[0]!.id);
  };

  React.useEffect(() => {
    if (entity === 'ibal_snapshotrun') trendPoints(xrm.WebApi).then(setTrend, (e: Error) => setFailure(e.message));
  }, [entity, xrm, host]);

  const control = React.useMemo(() => {
    if (!controlClass || entity !== 'ibal_discrepancy') return undefined;
    const instance = new controlClass();
    return instance;
  }, [controlClass, entity, host]);
  const context = {
    parameters: {
      discrepancies: host.dataset,
      quantityLimit: { raw: Number(model.manifestDefaults.quantityLimit ?? 5) }, percentLimit: { raw: Number(model.manifestDefaults.percentLimit ?? 10) },
      valueLimit: { raw: Number(model.manifestDefaults.valueLimit ?? 250) }, highlightColumn: { raw: model.manifestDefaults.highlightColumn ?? 'ibal_classification' },
    },
    mode: { trackContainerResize: () => undefined, allocatedWidth: window.innerWidth - 260, allocatedHeight: window.innerHeight - 175 },
    formatting: {
      formatDecimal: (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 6 }),
      formatCurrency: (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
      formatInteger: (v: number) => v.toLocaleString('en-US'),
    },
    resources: { getString: (key: string) => key },
    webAPI: xrm.WebApi,
    userSettings: { userId: user.id, userName: user.fullname, languageId: 1033 },
  } as unknown as ComponentFramework.Context<Record<string, unknown>>;
  const initialized = React.useRef<Control | undefined>(undefined);
  if (control && initialized.current !== control) {
    control.init(context, () => undefined, {});
    initialized.current = control;
  }

  // What the ribbon passes a function: the selected ids, the grid control, the primary control (the grid: no form here).
  const gridControl = React.useMemo(() => ({ refresh: () => host.dataset.refresh(), getFetchXml: () => host.fetchXml(1, { wholeView: true }),
    getEntityName: () => table.logicalName, getViewSelector: () => ({ getCurrentView: () => ({ entityType: 1039, id: `{${view.id}}`, name: view.name }) }) }), [host, table, view]);
  const parameter = React.useCallback((name: string): unknown => {
    if (name === 'SelectedControlSelectedItemIds') return selected.map((id) => `{${id.toUpperCase()}}`);
    if (name === 'SelectedControl') return gridControl;
    if (name === 'PrimaryControl') return gridControl;
    return undefined;
  }, [selected, gridControl]);
  // Enable rules may answer with a promise (Unified Interface waits for it): the bar shows what they settle on.
  const [commands, setCommands] = React.useState<AppModel['commands']>([]);
  React.useEffect(() => {
    if (entity !== 'ibal_discrepancy' || !commandsReady) { setCommands([]); return undefined; }
    let current = true;
    void Promise.all(model.commands.map(async (c) => ((await Promise.all(c.enableRules.map(async (rule) => {
      const fn = commandFunction(rule.functionName);
      try { return fn ? await fn(...rule.parameters.map(parameter)) === true : false; } catch { return false; }
    }))).every(Boolean) ? [c] : []))).then((offered) => { if (current) setCommands(offered.flat()); });
    return () => { current = false; };
  }, [entity, commandsReady, model, parameter, userId]);
  const run = async (command: AppModel['commands'][number]) => {
    // The libraries the command's actions name are loaded first, as the ribbon loads them.
    for (const library of command.libraries.filter((l) => l !== command.library)) await loadLibrary(library);
    const fn = commandFunction(command.functionName);
    // Focus goes back where it was when the command's dialogs close, as in a model-driven app.
    const focused = document.activeElement as HTMLElement | null;
    if (fn) {
      void Promise.resolve(fn(...command.parameters.map(parameter))).catch((e: Error) => setFailure(e.message))
        .finally(() => { if (focused?.isConnected) focused.focus(); });
    }
  };
  React.useEffect(() => {
    // The fault switch shows what the IV stand-in is doing, also after a reload.
    fetch('/sandbox/iv-faults').then((r) => r.json() as Promise<{ on: boolean }>).then((state) => setIvFaults(state.on), () => undefined);
  }, []);
  const toggleFaults = async (on: boolean) => {
    setIvFaults(on);
    const response = await fetch('/sandbox/iv-faults', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ on }) });
    if (!response.ok) { setIvFaults(!on); setFailure(`The IV fault mode could not be switched: ${response.status}`); }
  };

  return (
    <div className={styles.app}>
      <header className={styles.header}>
        <span className={styles.title}>{model.name}</span>
        <Text>Signed in as</Text>
        <Dropdown className={styles.user} aria-label="Signed-in user" value={`${user.fullname} (${roleLabel(user)})`}
          selectedOptions={[user.id]} onOptionSelect={(_, data) => setUserId(String(data.optionValue))}>
          {model.users.map((u) => <Option key={u.id} value={u.id} text={u.fullname}>{`${u.fullname} (${roleLabel(u)})`}</Option>)}
        </Dropdown>
        <Button appearance="subtle" style={{ color: 'inherit' }} onClick={() => setSettingsOpen(true)}>Sandbox settings</Button>
      </header>
      <nav className={styles.nav} aria-label="Site map">
        {model.sitemap.map((group) => (
          <div key={group.group}>
            <div className={styles.group}>{group.group}</div>
            {group.items.map((item) => (
              <Button key={item.id} className={styles.navItem} appearance={(item.dashboard ? item.dashboard === dashboardId : !dashboardId && item.entity === entity) ? 'secondary' : 'subtle'}
                aria-current={(item.dashboard ? item.dashboard === dashboardId : !dashboardId && item.entity === entity) ? 'page' : undefined}
                onClick={() => {
                  setRelatedRun(undefined);
                  if (item.dashboard) { setDashboardId(item.dashboard); return; }
                  setDashboardId(undefined); setEntity(item.entity); setViewId(model.tables[item.entity]!.views[0]!.id);
                }}>{item.title}</Button>
            ))}
          </div>
        ))}
      </nav>
      <main className={styles.main}>
        {dashboard ? <>
          <div className={styles.viewBar}><Text size={500} weight="semibold">{dashboard.name}</Text></div>
          <div className={styles.content}><DashboardPage dashboard={dashboard} model={model} webApi={xrm.WebApi} /></div>
        </> : <>
        <Toolbar className={styles.commandBar} aria-label="Command bar">
          {commands.map((c) => (
            <ToolbarButton key={c.id} disabled={selected.length < c.minSelection} onClick={() => { void run(c); }}>{c.label}</ToolbarButton>
          ))}
          <ToolbarButton onClick={() => host.dataset.refresh()}>Refresh</ToolbarButton>
        </Toolbar>
        <div className={styles.viewBar}>
          <Text size={500} weight="semibold">{table.pluralName}</Text>
          <Dropdown aria-label="View" value={view.name} selectedOptions={[view.id]} onOptionSelect={(_, data) => setViewId(String(data.optionValue))}>
            {table.views.map((v) => <Option key={v.id} value={v.id}>{v.name}</Option>)}
          </Dropdown>
          {relatedRun && entity === 'ibal_discrepancy' ? <span className={styles.related}><Text>of run <b>{relatedRun.name}</b></Text>
            <Link as="button" onClick={() => setRelatedRun(undefined)}>Show every run</Link></span> : null}
          {failure ? <Text style={{ color: tokens.colorPaletteRedForeground1 }}>{failure}</Text> : null}
        </div>
        <div className={styles.content}>
          {entity === 'ibal_snapshotrun' ? <TrendCharts points={trend} /> : null}
          {entity === 'ibal_discrepancy'
            ? (control ? <div className={styles.surface}>{control.updateView(context)}</div> : <Spinner label="Loading the grid…" />)
            : <SimpleGrid host={host} onOpen={(id) => { void openRecord(id); }}
              action={entity === 'ibal_snapshotrun' ? { label: (id) => `Discrepancies (${host.dataset.records[id]?.getFormattedValue('ibal_materialcount') ?? ''})`, run: showRunDiscrepancies } : undefined} />}
        </div>
        </>}
      </main>
      {progress !== undefined ? <div className={styles.progress} role="progressbar" aria-label={progress}><div className={styles.progressBox}><Spinner label={progress} /></div></div> : null}
      {alert ? (
        <Dialog open modalType="alert">
          <DialogSurface>
            <DialogBody>
              <DialogTitle>{alert.title}</DialogTitle>
              <DialogContent className={styles.alertText}>{alert.text}</DialogContent>
              <DialogActions><Button appearance="primary" onClick={() => { alert.done(); setAlert(undefined); }}>OK</Button></DialogActions>
            </DialogBody>
          </DialogSurface>
        </Dialog>
      ) : null}
      {dialog ? (
        <Dialog open onOpenChange={(_, data) => { if (!data.open) { dialog.done(undefined); setDialog(undefined); } }}>
          <DialogSurface style={{ width: `${dialog.size.width}px`, maxWidth: '95vw', padding: 0 }}>
            <DialogBody style={{ height: `${dialog.size.height}px`, display: 'flex', flexDirection: 'column', gap: 0 }}>
              <DialogTitle style={{ padding: '16px 16px 0' }}>{dialog.title}</DialogTitle>
              <iframe className={styles.frame} title={dialog.title} src={dialog.url} onLoad={(event) => {
                // The page closes itself with window.close(); its returnValue is the answer.
                const frame = event.currentTarget.contentWindow as (Window & { returnValue?: unknown }) | null;
                if (frame) frame.close = () => { dialog.done(frame.returnValue); setDialog(undefined); };
              }} />
            </DialogBody>
          </DialogSurface>
        </Dialog>
      ) : null}
      {record ? <RecordForm table={record.table} row={record.row} model={model} xrm={xrm} onClose={() => { setRecord(undefined); restoreFocus(); }} /> : null}
      {settingsOpen ? (
        <Dialog open onOpenChange={(_, data) => setSettingsOpen(data.open)}>
          <DialogSurface>
            <DialogBody>
              <DialogTitle>Sandbox settings</DialogTitle>
              <DialogContent>
                <Switch label="Inventory Visibility faults: 30% of calls fail (429, 500, late answers, 200 with an error body)" checked={ivFaults}
                  onChange={(_, data) => { void toggleFaults(data.checked); }} />
              </DialogContent>
              <DialogActions><Button appearance="primary" onClick={() => setSettingsOpen(false)}>Close</Button></DialogActions>
            </DialogBody>
          </DialogSurface>
        </Dialog>
      ) : null}
    </div>
  );
}

void (async () => {
  const root = document.getElementById('root')!;
  try {
    const model = await (await fetch('/app/model.json')).json() as ShellModel;
    ReactDOM.render(<FluentProvider theme={webLightTheme}><App model={model} /></FluentProvider>, root);
  } catch (error) {
    root.textContent = `The sandbox app could not start: ${(error as Error).message}`;
  }
})();
