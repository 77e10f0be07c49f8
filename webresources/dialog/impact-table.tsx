/** A table of a posting's impact (lines, quantity, absolute and net value) by one grouping: warehouse or reason. */
import * as React from 'react';
import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import type { Impact } from '../../core/corrections.js';

const useStyles = makeStyles({
  number: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
  // A header cell lays its label out in a flex box: push it to the right over the numbers.
  numberHeader: { '& > *': { justifyContent: 'flex-end', width: '100%' } },
  negative: { color: tokens.colorPaletteRedForeground1 },
});

export const quantity = (n: number) => n.toLocaleString(undefined, { maximumFractionDigits: 6 });
export const money = (n: number) => n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function ImpactTable({ title, rows, total }: { title: string; rows: Array<[string, Impact]>; total?: Impact | undefined }) {
  const styles = useStyles();
  return (
    <Table size="small" aria-label={title}>
      <TableHeader>
        <TableRow>
          <TableHeaderCell>{title}</TableHeaderCell>
          <TableHeaderCell className={styles.numberHeader}>Lines</TableHeaderCell>
          <TableHeaderCell className={styles.numberHeader}>Quantity</TableHeaderCell>
          <TableHeaderCell className={styles.numberHeader}>Value (absolute)</TableHeaderCell>
          <TableHeaderCell className={styles.numberHeader}>Value (net)</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map(([name, impact]) => (
          <TableRow key={name}>
            <TableCell>{name}</TableCell>
            <TableCell className={styles.number}>{impact.lines.toLocaleString()}</TableCell>
            <TableCell className={styles.number}>{quantity(impact.quantity)}</TableCell>
            <TableCell className={styles.number}>{money(impact.absoluteValue)}</TableCell>
            <TableCell className={mergeClasses(styles.number, impact.netValue < 0 && styles.negative)}>{money(impact.netValue)}</TableCell>
          </TableRow>
        ))}
        {total ? (
          <TableRow>
            <TableCell><b>Total</b></TableCell>
            <TableCell className={styles.number}><b>{total.lines.toLocaleString()}</b></TableCell>
            <TableCell className={styles.number}><b>{quantity(total.quantity)}</b></TableCell>
            <TableCell className={styles.number}><b>{money(total.absoluteValue)}</b></TableCell>
            <TableCell className={mergeClasses(styles.number, total.netValue < 0 && styles.negative)}><b>{money(total.netValue)}</b></TableCell>
          </TableRow>
        ) : null}
      </TableBody>
    </Table>
  );
}

