/** Trial limits for the highlight and totals; nothing the user types here is saved anywhere. */
import * as React from 'react';
import { Button, Field, Input, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { Limits } from './model.js';
import type { GridStrings } from './strings.js';

const useStyles = makeStyles({
  bar: { display: 'flex', alignItems: 'flex-end', gap: tokens.spacingHorizontalM, padding: tokens.spacingVerticalS, flexWrap: 'wrap' },
  field: { width: '120px' },
  // An <input> is as wide as its size attribute unless told otherwise: keep it inside its field.
  input: { width: '100%', minWidth: 0 },
  notice: { color: tokens.colorNeutralForeground3 },
});

export interface WhatIfBarProps {
  limits: Limits;
  trying: boolean;
  strings: GridStrings;
  onChange(limits: Limits): void;
  onReset(): void;
}

const parse = (text: string): number | undefined => {
  const n = Number(text.replace(',', '.'));
  return text.trim() === '' || !Number.isFinite(n) || n <= 0 ? undefined : n;
};

export function WhatIfBar({ limits, trying, strings, onChange, onReset }: WhatIfBarProps): JSX.Element {
  const styles = useStyles();
  const field = (key: keyof Limits, label: string) => (
    <Field label={label} className={styles.field}>
      <Input className={styles.input} input={{ className: styles.input }} type="number" min={0} value={limits[key] === undefined ? '' : String(limits[key])}
        onChange={(_, data) => onChange({ ...limits, [key]: parse(data.value) })} aria-label={`${strings.whatIfTitle}: ${label}`} />
    </Field>
  );
  return (
    <div className={styles.bar} role="group" aria-label={strings.whatIfTitle}>
      <Text weight="semibold">{strings.whatIfTitle}</Text>
      {field('quantity', strings.whatIfQuantity)}
      {field('percent', strings.whatIfPercent)}
      {field('value', strings.whatIfValue)}
      {trying ? <><Text className={styles.notice} role="status">{strings.whatIfNotice}</Text>
        <Button onClick={onReset}>{strings.whatIfReset}</Button></> : null}
    </div>
  );
}
