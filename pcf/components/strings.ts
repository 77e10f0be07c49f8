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
  emptyView: string;
  emptyFiltered: string;
  wholeViewTotals: string;
  totalsLoading: string;
  totalsFailed: string;
  whatIfTotals: string;
  whatIfReading: string;
  whatIfNoLimit: string;
  whatIfInvalid: string;
  selectedLoaded: string;
  selectAllInView: string;
  selectingAll: string;
  selectedAll: string;
  selectionLimit: string;
  search: string;
}

export const ENGLISH: GridStrings = {
  material: 'Material',
  timing: 'Timing',
  immaterial: 'Immaterial',
  loading: 'Loading differences…',
  empty: 'Nothing in this view.',
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
  emptyView: 'Nothing in the view “{0}”.',
  emptyFiltered: 'Nothing in the view “{0}” matches the filter or search.',
  wholeViewTotals: 'Material in the whole view: {0} differences, absolute value {1}, net value {2}',
  totalsLoading: 'Summing the whole view…',
  totalsFailed: 'The whole view could not be summed ({3}); the {4} loaded rows only — Material: {0} differences, absolute value {1}, net value {2}',
  whatIfTotals: 'With the trial limits, all {3} lines of the view — Material: {0} differences, absolute value {1}, net value {2}',
  whatIfReading: 'Reclassifying the whole view: {0} lines read…',
  whatIfNoLimit: 'With no limit nothing is Material: enter at least one (0 makes every difference Material).',
  whatIfInvalid: 'A limit is a number of 0 or more.',
  selectedLoaded: 'All {0} loaded rows are selected.',
  selectAllInView: 'Select all {0} in the view',
  selectingAll: 'Selecting all {0} in the view…',
  selectedAll: 'All {0} in the view are selected.',
  selectionLimit: 'A command takes at most {0} lines at a time.',
  search: 'Search this view',
};

/** "{0} of {1}" with the arguments in place. */
export function fill(template: string, ...values: string[]): string {
  return template.replace(/\{(\d+)\}/g, (whole, index: string) => values[Number(index)] ?? whole);
}
