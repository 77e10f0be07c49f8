/**
 * The count sheet import page (an HTML web resource opened by Xrm.Navigation.navigateTo): the user picks the filled
 * sheet (.xlsx or .csv); the page reads it into rows of cells and hands them back as the window's returnValue. What
 * the rows mean, and whether they can be recorded, the command handler decides with core/count-sheet.ts.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { parse } from 'csv-parse/browser/esm/sync';
// The universal build reads on the page's own thread: no web worker for a form page's content security policy to refuse.
import readSheet from 'read-excel-file/universal';
import { Button, Field, FluentProvider, MessageBar, MessageBarBody, Text, makeStyles, tokens, webLightTheme } from '@fluentui/react-components';
import type { Cell } from '../../core/count-sheet.js';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', height: '100%', boxSizing: 'border-box', padding: tokens.spacingHorizontalL, gap: tokens.spacingVerticalM },
  body: { flexGrow: 1, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  footer: { display: 'flex', justifyContent: 'flex-end', gap: tokens.spacingHorizontalS },
});

export interface CountsAnswer { kind: 'importCounts'; fileName: string; rows: Cell[][] }

function close(result: CountsAnswer | undefined): void {
  (window as Window & { returnValue?: string }).returnValue = result === undefined ? undefined : JSON.stringify(result);
  window.close();
}

/** The rows of a sheet file: the first sheet of an .xlsx, or a CSV (comma or semicolon, with or without a BOM). */
export async function rowsOfFile(file: File): Promise<Cell[][]> {
  if (/\.xlsx$/i.test(file.name)) {
    const sheets = await readSheet(file);
    return (sheets[0]?.data ?? []) as Cell[][];
  }
  if (/\.csv$/i.test(file.name)) {
    const text = (await file.text()).replace(/^\uFEFF/, '');
    const delimiter = (text.split('\n')[0] ?? '').includes(';') && !(text.split('\n')[0] ?? '').includes(',') ? ';' : ',';
    return parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true }) as Cell[][];
  }
  throw new Error(`${file.name} is neither an .xlsx nor a .csv file`);
}

export function CountsImport() {
  const styles = useStyles();
  const [answer, setAnswer] = React.useState<CountsAnswer | undefined>(undefined);
  const [error, setError] = React.useState<string | undefined>(undefined);
  React.useEffect(() => {
    const onKey = (event: KeyboardEvent) => { if (event.key === 'Escape') close(undefined); };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const pick = async (file: File | undefined) => {
    setAnswer(undefined);
    setError(undefined);
    if (!file) return;
    try {
      setAnswer({ kind: 'importCounts', fileName: file.name, rows: await rowsOfFile(file) });
    } catch (e) {
      setError(`${file.name} could not be read: ${(e as Error).message}`);
    }
  };
  return (
    <div className={styles.page}>
      <div className={styles.body}>
        <Text>Choose the count sheet with the counted quantities filled in (.xlsx or .csv, as exported). Every line is checked first:
          if any cannot be recorded, nothing is, and each such line is listed.</Text>
        <Field label="Filled count sheet">
          <input type="file" accept=".xlsx,.csv" autoFocus aria-label="Filled count sheet" onChange={(event) => { void pick(event.currentTarget.files?.[0]); }} />
        </Field>
        {answer ? <Text>{answer.fileName}: {Math.max(0, answer.rows.length - 1).toLocaleString()} rows read.</Text> : null}
        {error ? <MessageBar intent="error"><MessageBarBody>{error}</MessageBarBody></MessageBar> : null}
      </div>
      <div className={styles.footer}>
        <Button appearance="primary" disabled={answer === undefined} onClick={() => close(answer)}>Check and record counts</Button>
        <Button onClick={() => close(undefined)}>Cancel</Button>
      </div>
    </div>
  );
}

const root = typeof document === 'undefined' ? null : document.getElementById('root');
if (root) ReactDOM.render(<FluentProvider theme={webLightTheme}><CountsImport /></FluentProvider>, root);
