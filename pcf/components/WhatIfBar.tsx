/**
 * Trial limits for the highlight and totals; nothing the user types here is saved anywhere. 0 is a limit (every
 * difference meets it); a blank field is no limit of that kind; with every field blank nothing is tried.
 */
import * as React from 'react';
import { Button, Field, Input, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { Limits } from './model.js';
import type { GridStrings } from './strings.js';

const useStyles = makeStyles({
  bar: { display: 'flex', alignItems: 'flex-end', gap: tokens.spacingHorizontalM, padding: tokens.spacingVerticalS, flexWrap: 'wrap' },
  field: { width: '120px' },
  // An <input> is as wide as its size attribute unless told otherwise: keep it inside its field.
  input: { width: '100%', minWidth: 0 },
  notice: { color: tokens.colorNeutralForeground3, maxWidth: '520px' },
});

export interface WhatIfBarProps {
  limits: Limits;
  trying: boolean;
  strings: GridStrings;
  onChange(limits: Limits): void;
  onReset(): void;
}

/** A typed limit: blank is no limit, a number of 0 or more is one; anything else is not a limit at all. */
export const parseLimit = (text: string): number | undefined | 'invalid' => {
  if (text.trim() === '') return undefined;
  const n = Number(text.replace(',', '.'));
  return Number.isFinite(n) && n >= 0 ? n : 'invalid';
};

const KEYS = ['quantity', 'percent', 'value'] as const;

export function WhatIfBar({ limits, trying, strings, onChange, onReset }: WhatIfBarProps): JSX.Element {
  const styles = useStyles();
  const shown = (key: keyof Limits) => (limits[key] === undefined ? '' : String(limits[key]));
  const [texts, setTexts] = React.useState<Record<keyof Limits, string>>(() => ({ quantity: shown('quantity'), percent: shown('percent'), value: shown('value') }));
  // Back to the rules: the fields show the limits they were reset to.
  React.useEffect(() => { if (!trying) setTexts({ quantity: shown('quantity'), percent: shown('percent'), value: shown('value') }); }, [trying, limits]);
  const parsed = Object.fromEntries(KEYS.map((k) => [k, parseLimit(texts[k])])) as Record<keyof Limits, number | undefined | 'invalid'>;
  const noLimit = KEYS.every((k) => parsed[k] === undefined);
  const change = (key: keyof Limits, text: string) => {
    const next = { ...texts, [key]: text };
    setTexts(next);
    const values = Object.fromEntries(KEYS.map((k) => [k, parseLimit(next[k])])) as Record<keyof Limits, number | undefined | 'invalid'>;
    if (KEYS.some((k) => values[k] === 'invalid')) return;
    onChange({ quantity: values.quantity as number | undefined, percent: values.percent as number | undefined, value: values.value as number | undefined });
  };
  const field = (key: keyof Limits, label: string) => (
    <Field label={label} className={styles.field} validationState={parsed[key] === 'invalid' ? 'error' : 'none'}
      validationMessage={parsed[key] === 'invalid' ? strings.whatIfInvalid : undefined}>
      <Input className={styles.input} input={{ className: styles.input }} type="number" min={0} value={texts[key]}
        onChange={(_, data) => change(key, data.value)} aria-label={`${strings.whatIfTitle}: ${label}`} />
    </Field>
  );
  return (
    <div className={styles.bar} role="group" aria-label={strings.whatIfTitle}>
      <Text weight="semibold">{strings.whatIfTitle}</Text>
      {field('quantity', strings.whatIfQuantity)}
      {field('percent', strings.whatIfPercent)}
      {field('value', strings.whatIfValue)}
      {noLimit ? <Text className={styles.notice} role="status">{strings.whatIfNoLimit}</Text> : null}
      {trying && !noLimit ? <Text className={styles.notice} role="status">{strings.whatIfNotice}</Text> : null}
      {trying || noLimit ? <Button onClick={onReset}>{strings.whatIfReset}</Button> : null}
    </div>
  );
}
