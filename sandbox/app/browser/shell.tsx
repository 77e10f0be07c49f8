/**
 * The sandbox app shell: laid out like a model-driven app (sitemap, command bar, view selector) over the solution's
 * own metadata (/app/model.json, read from solution/src), hosting the real built VarianceGrid through a PCF context
 * over the emulator and running the real built command-bar script with the sandbox's Xrm.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as Fluent from '@fluentui/react-components';
import {
  Button, Dialog, DialogActions, Link, DialogBody, DialogContent, DialogSurface, DialogTitle, Dropdown, FluentProvider, Option, Spinner, Switch, Table, TableBody,
  TableCell, TableHeader, TableHeaderCell, TableRow, Text, Toolbar, ToolbarButton, makeStyles, tokens, webLightTheme,
} from '@fluentui/react-components';
import type { AppModel, AppTable } from '../model.js';
import { FORMATTED, formattedValue, ViewDataset } from './dataset.js';
import { TrendCharts, type TrendPoint } from './trend.js';
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

function commandFunction(name: string): ((...args: unknown[]) => unknown) | undefined {
  let target: unknown = window;
  for (const part of name.split('.')) target = (target as Record<string, unknown> | undefined)?.[part];
  return typeof target === 'function' ? target as (...args: unknown[]) => unknown : undefined;
}

function SimpleGrid({ host, onOpen }: { host: ViewDataset; onOpen: (id: string) => void }) {
  const styles = useStyles();
  const dataset = host.dataset;
  const columns = dataset.columns.filter((c) => c.order >= 0);
  return (
    <div className={styles.surface}>
      <Table size="small" aria-label={host.view.name}>
        <TableHeader><TableRow>{columns.map((c) => <TableHeaderCell key={c.name}>{c.displayName}</TableHeaderCell>)}</TableRow></TableHeader>
        <TableBody>
          {dataset.sortedRecordIds.map((id) => (
            <TableRow key={id} onDoubleClick={() => onOpen(id)}>
              {columns.map((c, i) => (
                <TableCell key={c.name} className={/Whole|Decimal/.test(c.dataType) ? styles.number : undefined}>
                  {i === 0 ? <Link as="button" onClick={() => onOpen(id)}>{dataset.records[id]!.getFormattedValue(c.name)}</Link>
                    : dataset.records[id]!.getFormattedValue(c.name)}
                </TableCell>
              ))}
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

function RecordForm({ table, row, onClose }: { table: AppTable; row: Row; onClose: () => void }) {
  const styles = useStyles();
  const names = Object.keys(table.columns);
  const show = (name: string): string => formattedValue(table, row, name);
  return (
    <Dialog open onOpenChange={(_, data) => { if (!data.open) onClose(); }}>
      <DialogSurface style={{ maxWidth: '760px' }}>
        <DialogBody>
          <DialogTitle>{table.displayName}: {show(names[0]!)}</DialogTitle>
          <DialogContent>
            <Table size="extra-small" aria-label={`${table.displayName} fields`}>
              <TableBody>
                {names.filter((n) => show(n) !== '').map((n) => (
                  <TableRow key={n}><TableCell>{table.columns[n]!.displayName}</TableCell><TableCell className={styles.alertText}>{show(n)}</TableCell></TableRow>
                ))}
              </TableBody>
            </Table>
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

  const openRecord = React.useCallback(async (id: string) => {
    const row = await xrm.WebApi.retrieveRecord(table.logicalName, id) as Row;
    setRecord({ table, row });
  }, [xrm, table]);

  const host = React.useMemo(() => {
    setSelected([]);
    const h = new ViewDataset(xrm.WebApi, table, view, {
      changed: rerender, selectionChanged: (ids) => setSelected(ids), open: (reference) => { void openRecord(String((reference.id as unknown as { guid: string }).guid)); },
    });
    void h.load(1);
    void h.count();
    return h;
  }, [table, view, xrm]);

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
    mode: { trackContainerResize: () => undefined, allocatedWidth: window.innerWidth - 260, allocatedHeight: window.innerHeight - 150 },
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

  const commands = entity === 'ibal_discrepancy' && commandsReady ? model.commands.filter((c) => c.enableRules.every((rule) => commandFunction(rule)?.() === true)) : [];
  const run = (functionName: string) => {
    const fn = commandFunction(functionName);
    if (fn) void Promise.resolve(fn(selected.map((id) => `{${id.toUpperCase()}}`), { refresh: () => host.dataset.refresh() }, undefined)).catch((e: Error) => setFailure(e.message));
  };
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
              <Button key={item.id} className={styles.navItem} appearance={item.entity === entity ? 'secondary' : 'subtle'} aria-current={item.entity === entity ? 'page' : undefined}
                onClick={() => { setEntity(item.entity); setViewId(model.tables[item.entity]!.views[0]!.id); }}>{item.title}</Button>
            ))}
          </div>
        ))}
      </nav>
      <main className={styles.main}>
        <Toolbar className={styles.commandBar} aria-label="Command bar">
          {commands.map((c) => (
            <ToolbarButton key={c.id} disabled={selected.length < c.minSelection} onClick={() => run(c.functionName)}>{c.label}</ToolbarButton>
          ))}
          <ToolbarButton onClick={() => host.dataset.refresh()}>Refresh</ToolbarButton>
        </Toolbar>
        <div className={styles.viewBar}>
          <Text size={500} weight="semibold">{table.pluralName}</Text>
          <Dropdown aria-label="View" value={view.name} selectedOptions={[view.id]} onOptionSelect={(_, data) => setViewId(String(data.optionValue))}>
            {table.views.map((v) => <Option key={v.id} value={v.id}>{v.name}</Option>)}
          </Dropdown>
          {failure ? <Text style={{ color: tokens.colorPaletteRedForeground1 }}>{failure}</Text> : null}
        </div>
        <div className={styles.content}>
          {entity === 'ibal_snapshotrun' ? <TrendCharts points={trend} /> : null}
          {entity === 'ibal_discrepancy'
            ? (control ? <div className={styles.surface}>{control.updateView(context)}</div> : <Spinner label="Loading the grid…" />)
            : <SimpleGrid host={host} onOpen={(id) => { void openRecord(id); }} />}
        </div>
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
      {record ? <RecordForm table={record.table} row={record.row} onClose={() => setRecord(undefined)} /> : null}
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
