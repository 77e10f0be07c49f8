/** A discrepancy's likely cause as a badge; its tooltip gives the evidence and what to check (core/causes.ts). */
import * as React from 'react';
import { Badge, Tooltip, makeStyles, tokens } from '@fluentui/react-components';
import { CAUSE_INFO } from '../../core/causes.js';
import type { LikelyCauseShown } from './model.js';
import { fill, type GridStrings } from './strings.js';

const useStyles = makeStyles({
  badge: { flexShrink: 0, maxWidth: '100%', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  tip: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, maxWidth: '360px' },
});

export function CauseBadge({ cause, strings }: { cause: LikelyCauseShown | undefined; strings: GridStrings }): JSX.Element | null {
  const styles = useStyles();
  if (cause === undefined) return null;
  const check = fill(strings.causeCheck, CAUSE_INFO[cause.cause].check);
  const tip = <span className={styles.tip}><strong>{cause.label}</strong><span>{cause.evidence}</span><span>{check}</span></span>;
  // Focusable, so keyboard users get the evidence too; the description relationship reads it after the label.
  return (
    <Tooltip content={tip} relationship="description" withArrow>
      <Badge className={styles.badge} tabIndex={0} size="medium" appearance="tint" color="brand" data-cause={cause.cause}>{cause.label}</Badge>
    </Tooltip>
  );
}
