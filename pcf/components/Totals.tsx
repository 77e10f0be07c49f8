/**
 * The totals line: the Material figures of the whole view (summed by Dataverse, or reclassified with the trial
 * limits over every line of the view), never only of the loaded rows unless the view could not be summed, which
 * it then says; and how many rows are loaded.
 */
import * as React from 'react';
import { Text, makeStyles, tokens } from '@fluentui/react-components';
import type { Formatting } from './model.js';
import { fill, type GridStrings } from './strings.js';

const useStyles = makeStyles({
  totals: { display: 'flex', justifyContent: 'space-between', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    borderTop: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}` },
});

export interface MaterialTotals { count: number; absoluteValue: number; netValue: number }

/** What the line shows: the whole view's totals, the what-if totals over the whole view, a read in progress, or the loaded rows' with why. */
export type TotalsShown =
  | { kind: 'view'; totals: MaterialTotals }
  | { kind: 'what-if'; totals: MaterialTotals; lines: number }
  | { kind: 'reading'; read: number }
  | { kind: 'loading' }
  | { kind: 'loaded-only'; totals: MaterialTotals; reason: string };

export interface TotalsProps { shown: TotalsShown; loaded: number; total: number; format: Formatting; strings: GridStrings }

export function Totals({ shown, loaded, total, format, strings }: TotalsProps): JSX.Element {
  const styles = useStyles();
  const figures = (t: MaterialTotals) => [format.number(t.count), format.currency(t.absoluteValue), format.currency(t.netValue)];
  const text = shown.kind === 'view' ? fill(strings.wholeViewTotals, ...figures(shown.totals))
    : shown.kind === 'what-if' ? fill(strings.whatIfTotals, ...figures(shown.totals), format.number(shown.lines))
      : shown.kind === 'reading' ? fill(strings.whatIfReading, format.number(shown.read))
        : shown.kind === 'loading' ? strings.totalsLoading
          : fill(strings.totalsFailed, ...figures(shown.totals), shown.reason, format.number(loaded));
  return (
    <div className={styles.totals} role="status" aria-live="polite">
      <Text weight="semibold">{text}</Text>
      <Text>{total < 0 ? fill(strings.loadedOfMany, format.number(loaded)) : fill(strings.loadedOf, format.number(loaded), format.number(total))}</Text>
    </div>
  );
}
