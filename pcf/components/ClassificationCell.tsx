/** A classification shown by colour, icon and text together, so it never depends on colour alone. */
import * as React from 'react';
import { Badge, makeStyles, tokens } from '@fluentui/react-components';
import { CauseBadge } from './CauseBadge.js';
import type { GridRow } from './model.js';
import type { GridStrings } from './strings.js';

/** A small symbol beside the text; the text carries the meaning for screen readers, so the symbol is hidden from them. */
const Symbol = ({ glyph }: { glyph: string }) => <span aria-hidden="true" data-icon style={{ fontSize: '1.1em', lineHeight: 1 }}>{glyph}</span>;

const useStyles = makeStyles({
  cell: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalXS, minWidth: 0, overflow: 'hidden', whiteSpace: 'nowrap', textOverflow: 'ellipsis' },
  material: { color: tokens.colorPaletteRedForeground1 },
  timing: { color: tokens.colorPaletteMarigoldForeground1 },
  immaterial: { color: tokens.colorNeutralForeground3 },
  flags: { display: 'inline-flex', gap: tokens.spacingHorizontalXXS, marginLeft: tokens.spacingHorizontalS, whiteSpace: 'nowrap', overflow: 'hidden', minWidth: 0 },
  badge: { flexShrink: 0 },
});

/** Flags as badges, in the view's flags column or beside the classification when the view has none. */
export function FlagBadges({ flags }: { flags: string[] }): JSX.Element | null {
  const styles = useStyles();
  if (flags.length === 0) return null;
  // Badges keep their size; a narrow column shows the first ones and the title lists them all.
  return <span className={styles.flags} title={flags.join(', ')}>{flags.map((flag) =>
    <Badge key={flag} className={styles.badge} size="small" appearance="tint" color={flag === 'audit' || flag === 'negative-d365' ? 'danger' : 'informative'}>{flag}</Badge>)}</span>;
}

/** The classification, the flags and the likely cause (these two only when the view has no column of their own). */
export function ClassificationCell({ classification, flags, cause, strings }:
  { classification: GridRow['classification']; flags: string[]; cause?: GridRow['cause']; strings: GridStrings }): JSX.Element {
  const styles = useStyles();
  const shown = classification === 'Material' ? { icon: <Symbol glyph="⚠" />, text: strings.material, className: styles.material }
    : classification === 'Timing' ? { icon: <Symbol glyph="◷" />, text: strings.timing, className: styles.timing }
      : classification === 'Immaterial' ? { icon: <Symbol glyph="✓" />, text: strings.immaterial, className: styles.immaterial }
        : undefined;
  return (
    <span className={styles.cell}>
      {shown ? <span className={`${styles.cell} ${shown.className}`} data-classification={classification}>{shown.icon}{shown.text}</span> : null}
      <FlagBadges flags={flags} />
      <CauseBadge cause={cause} strings={strings} />
    </span>
  );
}
