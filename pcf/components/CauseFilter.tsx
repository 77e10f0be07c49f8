/** Shows only the rows of one likely cause (or those without one); the dataset filters, so it covers the whole view. */
import * as React from 'react';
import { Field, Select, makeStyles } from '@fluentui/react-components';
import { CAUSES, CAUSE_INFO } from '../../core/causes.js';
import type { CauseFilterValue } from './model.js';
import type { GridStrings } from './strings.js';

const useStyles = makeStyles({ field: { minWidth: '200px', alignSelf: 'flex-end' } });

export interface CauseFilterProps { value: CauseFilterValue; strings: GridStrings; onChange(value: CauseFilterValue): void }

export function CauseFilter({ value, strings, onChange }: CauseFilterProps): JSX.Element {
  const styles = useStyles();
  return (
    <Field label={strings.causeFilter} className={styles.field}>
      <Select value={value ?? ''} onChange={(_, data) => onChange(data.value === '' ? undefined : data.value as CauseFilterValue)}>
        <option value="">{strings.causeAll}</option>
        {CAUSES.map((cause) => <option key={cause} value={cause}>{CAUSE_INFO[cause].label}</option>)}
        <option value="none">{strings.causeNone}</option>
      </Select>
    </Field>
  );
}
