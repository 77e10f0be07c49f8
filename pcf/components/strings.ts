/** The grid's words. The PCF adapter reads them from the control's .resx files; these are the English ones. */
export interface GridStrings {
  material: string;
  timing: string;
  immaterial: string;
  loading: string;
  empty: string;
  error: string;
  loadMore: string;
  loadedOf: string;
  loadedOfMany: string;
  materialTotals: string;
  whatIfTitle: string;
  whatIfQuantity: string;
  whatIfPercent: string;
  whatIfValue: string;
  whatIfNotice: string;
  whatIfReset: string;
  gridLabel: string;
  selectRow: string;
  selectAll: string;
  causeFilter: string;
  causeAll: string;
  causeNone: string;
  causeCheck: string;
}

export const ENGLISH: GridStrings = {
  material: 'Material',
  timing: 'Timing',
  immaterial: 'Immaterial',
  loading: 'Loading differences…',
  empty: 'No differences above the thresholds in this view',
  error: 'The differences could not be loaded: {0}',
  loadMore: 'Load more',
  loadedOf: '{0} of {1} loaded',
  loadedOfMany: '{0} of more than 5,000 loaded',
  materialTotals: 'Material: {0} differences, absolute value {1}, net value {2}',
  whatIfTitle: 'Try other limits',
  whatIfQuantity: 'Quantity',
  whatIfPercent: 'Percent',
  whatIfValue: 'Value',
  whatIfNotice: 'Trying limits: highlights and totals use them; nothing is saved.',
  whatIfReset: 'Back to the rules',
  gridLabel: 'Inventory differences',
  selectRow: 'Select row',
  selectAll: 'Select all rows',
  causeFilter: 'Likely cause',
  causeAll: 'All causes',
  causeNone: 'No likely cause',
  causeCheck: 'What to check: {0}',
};

/** "{0} of {1}" with the arguments in place. */
export function fill(template: string, ...values: string[]): string {
  return template.replace(/\{(\d+)\}/g, (whole, index: string) => values[Number(index)] ?? whole);
}
