/** A structurally unusable input (missing file or column, invalid config): the run stops with exit code 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** A run id already reconciled from other snapshot files is refused: its rows belong to those files. */
export function differentSnapshotError(runId: string, where: string, finishedOn: string | undefined): InputError {
  return new InputError(`run ${runId} was already reconciled from other snapshot files${finishedOn ? ` (finished ${finishedOn})` : ''} in ${where}; `
    + 'its discrepancies belong to those files. Give this snapshot its own --run-id, or pass --replace to replace that run '
    + '(its rows already in review stay with it, under a new name)');
}
