/** The usage of `ibal snapshot` and `ibal journal`, apart from the commands so `ibal --help` loads neither. */

export const SNAPSHOT_USAGE = `Usage: ibal snapshot --config <config.json> --out <run folder> [--as-of <ISO time>] [--then-reconcile [--target <url>]] [--quiet]

  Asks D365 (snapshot.d365 in the config) and the WMS (snapshot.wms) for their on-hand as of the same time, waits for
  both until snapshot.deadlineMinutes, and downloads them into the run folder with snapshot.json (as-of times, sizes,
  SHA-256) and a config.json for ibal reconcile. D365 credentials: IBAL_D365_TENANT_ID, IBAL_D365_CLIENT_ID,
  IBAL_D365_CLIENT_SECRET (or the IBAL_TENANT_ID, IBAL_CLIENT_ID, IBAL_CLIENT_SECRET the job already uses).
  --then-reconcile  reconcile the snapshot into <run folder>/out (with --target: into Dataverse, as ibal reconcile)
`;

export const JOURNAL_USAGE = `Usage: ibal journal --batch <posting batch id> --target <Dataverse API URL> --out <folder> [--type adjustment|counting]
                    [--journal-name <id>] [--max-lines <n>] [--project <data project>] [--post <D365 URL> --store <file>]

  Writes the posting batch's approved corrections as D365 data management packages (one zip per journal part) for a
  company that imports by hand (Data management > Import > the data project). With --post the packages are imported
  into D365 exactly once (GetAzureWriteUrl, upload, ImportFromPackage, status); --store keeps the line ids and
  execution ids that make a repeated --post resume instead of sending twice.
`;
