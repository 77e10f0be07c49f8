/** A classification shown by colour, icon and text together, so it never depends on colour alone. */
import * as React from 'react';
import { Badge, makeStyles, tokens } from '@fluentui/react-components';
import { CheckmarkCircleRegular, ClockRegular, ErrorCircleRegular } from '@fluentui/react-icons';
import type { GridRow } from './model.js';
import type { GridStrings } from './strings.js';

const useStyles = makeStyles({
  cell: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalXS },
  material: { color: tokens.colorPaletteRedForeground1 },
  timing: { color: tokens.colorPaletteMarigoldForeground1 },
  immaterial: { color: tokens.colorNeutralForeground3 },
  flags: { display: 'inline-flex', gap: tokens.spacingHorizontalXXS, marginLeft: tokens.spacingHorizontalS },
});

export function ClassificationCell({ classification, flags, strings }: { classification: GridRow['classification']; flags: string[]; strings: GridStrings }): JSX.Element {
  const styles = useStyles();
  const shown = classification === 'Material' ? { icon: <ErrorCircleRegular aria-hidden />, text: strings.material, className: styles.material }
    : classification === 'Timing' ? { icon: <ClockRegular aria-hidden />, text: strings.timing, className: styles.timing }
      : classification === 'Immaterial' ? { icon: <CheckmarkCircleRegular aria-hidden />, text: strings.immaterial, className: styles.immaterial }
        : undefined;
  return (
    <span className={styles.cell}>
      {shown ? <span className={`${styles.cell} ${shown.className}`} data-classification={classification}>{shown.icon}{shown.text}</span> : null}
      {flags.length > 0 ? <span className={styles.flags}>{flags.map((flag) =>
        <Badge key={flag} size="small" appearance="tint" color={flag === 'audit' || flag === 'negative-d365' ? 'danger' : 'informative'}>{flag}</Badge>)}</span> : null}
    </span>
  );
}
