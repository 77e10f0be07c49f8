/** The totals line: Material rows loaded with their absolute and net value, and how many rows are loaded. */
import * as React from 'react';
import { Text, makeStyles, tokens } from '@fluentui/react-components';
import type { Formatting } from './model.js';
import { fill, type GridStrings } from './strings.js';

const useStyles = makeStyles({
  totals: { display: 'flex', justifyContent: 'space-between', padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    borderTop: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}` },
});

export interface MaterialTotals { count: number; absoluteValue: number; netValue: number }

export interface TotalsProps { totals: MaterialTotals; loaded: number; total: number; format: Formatting; strings: GridStrings }

export function Totals({ totals, loaded, total, format, strings }: TotalsProps): JSX.Element {
  const styles = useStyles();
  return (
    <div className={styles.totals} role="status" aria-live="polite">
      <Text weight="semibold">{fill(strings.materialTotals, format.number(totals.count), format.currency(totals.absoluteValue), format.currency(totals.netValue))}</Text>
      <Text>{total < 0 ? fill(strings.loadedOfMany, format.number(loaded)) : fill(strings.loadedOf, format.number(loaded), format.number(total))}</Text>
    </div>
  );
}
