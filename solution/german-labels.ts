/**
 * German (1031) labels of what core/dataverse defines, keyed by logical name. core/ holds the English names; this file
 * holds their German twins, so adding a column to core/dataverse/tables.ts needs one line here and a re-run of
 * `npm run solution:src` (the test "every label has both languages" names what is missing). Terms follow the grid's
 * German strings (pcf/strings/VarianceGrid.1031.resx): Abweichung, Wesentlich, Zeitversatz, Unwesentlich.
 * A description is needed only where the English one is not empty.
 */

export interface GermanText { displayName: string; description?: string }

export interface GermanLabels {
  tables: Record<string, GermanText & { pluralName: string }>;
  /** Per table logical name, per column logical name. */
  columns: Record<string, Record<string, GermanText>>;
  /** Per `<table>.<column>`, the English choice label → its German label. */
  choices: Record<string, Record<string, string>>;
  /** Alternate keys by logical name. */
  keys: Record<string, string>;
  /** Environment variables by schema name. */
  environmentVariables: Record<string, GermanText>;
}

export const GERMAN_LABELS: GermanLabels = {
  tables: {
    ibal_snapshotrun: { displayName: 'Snapshot-Lauf', pluralName: 'Snapshot-Läufe', description: 'Ein Abgleich eines D365- und eines WMS-Snapshots' },
    ibal_postingbatch: { displayName: 'Buchungsstapel', pluralName: 'Buchungsstapel', description: 'Genehmigte Korrekturen, die gemeinsam an Inventory Visibility gebucht werden' },
    ibal_discrepancy: { displayName: 'Abweichung', pluralName: 'Abweichungen', description: 'Ein Unterschied zwischen D365 und dem WMS für einen Schlüssel in einem Lauf, und seine Prüfung' },
    ibal_thresholdrule: { displayName: 'Schwellenwertregel', pluralName: 'Schwellenwertregeln', description: 'Grenzen der Finanzabteilung, ab denen eine Abweichung wesentlich ist; der spezifischste Geltungsbereich gewinnt' },
    ibal_reviewrequest: { displayName: 'Prüfanfrage', pluralName: 'Prüfanfragen', description: 'Eine Anfrage, Abweichungen zu zählen, zu genehmigen, abzulehnen, zu erklären, zu buchen oder zu aktualisieren, ausgeführt vom Prüfdienst' },
  },
  columns: {
    ibal_snapshotrun: {
      ibal_name: { displayName: 'Laufnummer' },
      ibal_company: { displayName: 'Unternehmen' },
      ibal_d365asof: { displayName: 'D365 Stand' },
      ibal_wmsasof: { displayName: 'WMS Stand' },
      ibal_skewminutes: { displayName: 'Zeitabstand (Minuten)' },
      ibal_comparisonlevel: { displayName: 'Vergleichsebene' },
      ibal_runstatus: { displayName: 'Laufstatus' },
      ibal_islatest: { displayName: 'Neuester Lauf', description: 'Vom Job am neuesten Lauf des Unternehmens gesetzt; Ansichten des neuesten Laufs filtern danach' },
      ibal_d365linesread: { displayName: 'D365-Zeilen gelesen' },
      ibal_d365linesaccepted: { displayName: 'D365-Zeilen übernommen' },
      ibal_d365linesrejected: { displayName: 'D365-Zeilen abgewiesen' },
      ibal_wmslinesread: { displayName: 'WMS-Zeilen gelesen' },
      ibal_wmslinesaccepted: { displayName: 'WMS-Zeilen übernommen' },
      ibal_wmslinesrejected: { displayName: 'WMS-Zeilen abgewiesen' },
      ibal_keyscompared: { displayName: 'Verglichene Schlüssel' },
      ibal_materialcount: { displayName: 'Wesentlich' },
      ibal_timingcount: { displayName: 'Zeitversatz' },
      ibal_immaterialcount: { displayName: 'Unwesentlich' },
      ibal_balancedcount: { displayName: 'Ausgeglichen' },
      ibal_materialabsolutevalue: { displayName: 'Wesentlicher Wert (absolut)' },
      ibal_materialnetvalue: { displayName: 'Wesentlicher Wert (netto)' },
      ibal_sourcefiles: { displayName: 'Quelldateien' },
      ibal_warnings: { displayName: 'Warnungen' },
      ibal_rulesused: { displayName: 'Verwendete Schwellenwertregeln', description: 'Die Regeln, mit denen dieser Lauf klassifiziert hat, und woher sie stammen' },
      ibal_startedon: { displayName: 'Gestartet am' },
      ibal_finishedon: { displayName: 'Beendet am' },
      ibal_snapshothash: { displayName: 'Hash der Snapshot-Dateien', description: 'SHA-256 über die Snapshot-Dateien, aus denen die Abweichungen dieses Laufs stammen; ein erneuter Lauf aus anderen Dateien wird ohne --replace abgelehnt' },
      ibal_d365linesoutofscope: { displayName: 'D365-Zeilen außerhalb des Umfangs', description: 'D365-Zeilen von Lagerorten, die das WMS nicht verwaltet, nicht verglichen' },
      ibal_incompletecount: { displayName: 'Unvollständige Schlüssel', description: 'Schlüssel, zu denen eine abgewiesene Zeile gehören kann: als unvollständig markiert, nie ausgeglichen' },
      ibal_notstoredcount: { displayName: 'Nicht gespeicherte Abweichungen', description: 'Gezählte, aber nicht als Zeilen geschriebene Abweichungen (unwesentlich, ohne wahrscheinliche Ursache): discrepancies.csv enthält sie' },
      ibal_leaseuntil: { displayName: 'Läuft bis', description: 'Während des Laufs verlängert der Job diesen Wert; ein laufender Lauf darüber hinaus wurde nicht beendet und wird als fehlgeschlagen markiert' },
      ibal_systematicfindings: { displayName: 'Systematische Befunde', description: 'Wahrscheinliche Ursachen, die sich über viele Zeilen eines Artikels oder Lagerorts wiederholen, eine je Zeile, mit dem, was zu prüfen ist' },
    },
    ibal_postingbatch: {
      ibal_name: { displayName: 'Stapelnummer' },
      ibal_batchstatus: { displayName: 'Stapelstatus' },
      ibal_linecount: { displayName: 'Zeilen' },
      ibal_totalquantity: { displayName: 'Gesamtmenge' },
      ibal_totalabsolutevalue: { displayName: 'Gesamtwert (absolut)' },
      ibal_totalnetvalue: { displayName: 'Gesamtwert (netto)' },
      ibal_summary: { displayName: 'Zusammenfassung nach Lager und Grund' },
      ibal_ivendpoint: { displayName: 'IV-Endpunkt' },
      ibal_ivenvironment: { displayName: 'IV-Umgebungs-ID' },
      ibal_responselog: { displayName: 'Rohes Antwortprotokoll' },
      ibal_errors: { displayName: 'Fehler' },
      ibal_postingcount: { displayName: 'Noch in Buchung' },
      ibal_postedcount: { displayName: 'Gebucht' },
      ibal_posterrorcount: { displayName: 'Buchungsfehler' },
      ibal_syncedcount: { displayName: 'Mit D365 synchronisiert' },
      ibal_syncerrorcount: { displayName: 'Synchronisierungsfehler' },
      ibal_journalrecord: { displayName: 'D365-Erfassungsprotokoll', description: 'Buchen als D365-Erfassung: die Erfassungen, Zeilennummern und Importausführungen, festgehalten, bevor D365 davon erfährt' },
    },
    ibal_discrepancy: {
      ibal_name: { displayName: 'Name' },
      ibal_run: { displayName: 'Snapshot-Lauf' },
      ibal_company: { displayName: 'Unternehmen', description: 'Juristische Person in D365 (dataAreaId)' },
      ibal_item: { displayName: 'Artikelnummer' },
      ibal_color: { displayName: 'Farbe' },
      ibal_size: { displayName: 'Größe' },
      ibal_style: { displayName: 'Stil' },
      ibal_config: { displayName: 'Konfiguration' },
      ibal_version: { displayName: 'Version' },
      ibal_site: { displayName: 'Standort' },
      ibal_warehouse: { displayName: 'Lager' },
      ibal_location: { displayName: 'Lagerplatz', description: 'Lagerplatz (WMSLocationId)' },
      ibal_batch: { displayName: 'Charge' },
      ibal_serial: { displayName: 'Seriennummer' },
      ibal_inventorystatus: { displayName: 'Lagerstatus' },
      ibal_inventoryowner: { displayName: 'Bestandsbesitzer' },
      ibal_keyhash: { displayName: 'Schlüssel-Hash', description: 'SHA-256 der Schlüsselfelder; zusammen mit dem Lauf identifiziert er die Zeile' },
      ibal_d365qty: { displayName: 'D365-Menge' },
      ibal_wmsqty: { displayName: 'WMS-Menge' },
      ibal_inflightqty: { displayName: 'Menge unterwegs' },
      ibal_qtyvariance: { displayName: 'Mengenabweichung' },
      ibal_residual: { displayName: 'Restabweichung' },
      ibal_unitcost: { displayName: 'Einstandspreis' },
      ibal_valuevariance: { displayName: 'Wertabweichung' },
      ibal_absolutevalue: { displayName: 'Absoluter Wert', description: '|Wertabweichung|, damit Ansichten nach Auswirkung sortieren können' },
      ibal_classification: { displayName: 'Klassifizierung' },
      ibal_rule: { displayName: 'Schwellenwertregel' },
      ibal_runsunbalanced: { displayName: 'Läufe unausgeglichen' },
      ibal_flags: { displayName: 'Kennzeichen' },
      ibal_reviewstatus: { displayName: 'Prüfstatus' },
      ibal_countedqty: { displayName: 'Gezählte Menge' },
      ibal_correctionqty: { displayName: 'Korrekturmenge' },
      ibal_reasoncode: { displayName: 'Grund' },
      ibal_requestedby: { displayName: 'Zählung angefordert von' },
      ibal_requestedon: { displayName: 'Zählung angefordert am' },
      ibal_decidedby: { displayName: 'Genehmigt oder abgelehnt von' },
      ibal_decidedon: { displayName: 'Genehmigt oder abgelehnt am' },
      ibal_comment: { displayName: 'Kommentar' },
      ibal_postingbatch: { displayName: 'Buchungsstapel' },
      ibal_ivlineid: { displayName: 'IV-Zeilen-ID', description: 'Die stabile ID der für diese Korrektur gebuchten Zeile: die IV-Anpassungszeilen-ID oder die ID der D365-Erfassungszeile' },
      ibal_journalnumber: { displayName: 'D365-Erfassung', description: 'Buchen als D365-Erfassung: die Erfassung, in der D365 die Zeile angelegt hat' },
      ibal_ivstatus: { displayName: 'IV-Status' },
      ibal_lasterror: { displayName: 'Letzter Fehler' },
      ibal_countedby: { displayName: 'Gezählt von' },
      ibal_countedon: { displayName: 'Gezählt am' },
      ibal_approvalseal: { displayName: 'Genehmigungssiegel', description: 'Der verschlüsselte Hash des Prüfdienstes über die genehmigten Werte: eine Zeile, deren Werte sich nach der Genehmigung geändert haben, wird beim Buchen abgelehnt' },
      ibal_needsattention: { displayName: 'Braucht Aufmerksamkeit', description: 'Von der IV-Statusnachverfolgung gesetzt: warum diese Zeile hängt (zu lange in Buchung, oder gebucht und nicht synchronisiert)' },
      ibal_likelycause: { displayName: 'Wahrscheinliche Ursache', description: 'Die stärkste Ursache, die die Regeln gefunden haben; leer, wo keine passt' },
      ibal_causeevidence: { displayName: 'Beleg der Ursache', description: 'Die Werte, Zeilen oder anderen Schlüssel, die die wahrscheinliche Ursache zeigen, und ihre Sicherheit' },
      ibal_d365unit: { displayName: 'D365-Einheit', description: 'Die D365-Lagereinheit, in der alle Mengen der Zeile stehen (mappings.units.default)' },
      ibal_wmsunits: { displayName: 'WMS-Einheiten', description: 'Die WMS-Einheiten des Artikels und wie viele D365-Einheiten jede enthält (mappings.units), wie der Job sie umgerechnet hat' },
    },
    ibal_thresholdrule: {
      ibal_name: { displayName: 'Name' },
      ibal_scopeitem: { displayName: 'Artikel' },
      ibal_scopesite: { displayName: 'Standort' },
      ibal_scopewarehouse: { displayName: 'Lager' },
      ibal_quantitylimit: { displayName: 'Mengengrenze' },
      ibal_percentlimit: { displayName: 'Prozentgrenze' },
      ibal_valuelimit: { displayName: 'Wertgrenze' },
      ibal_active: { displayName: 'Aktiv' },
      ibal_scopeitemgroup: { displayName: 'Artikelgruppe', description: 'D365-Artikelgruppe (ItemGroupId); eine Artikelregel gewinnt über sie, sie gewinnt über Lagerort- und Standortregeln' },
    },
    ibal_reviewrequest: {
      ibal_name: { displayName: 'Anfrage' },
      ibal_action: { displayName: 'Aktion' },
      ibal_discrepancies: { displayName: 'Abweichungen', description: 'Die ausgewählten Abweichungs-IDs als JSON-Array' },
      ibal_run: { displayName: 'Snapshot-Lauf', description: 'Ohne ausgewählte Abweichungen: jede Zeile dieses Laufs, für die die Aktion gilt' },
      ibal_countedquantities: { displayName: 'Gezählte Mengen', description: 'Zählung erfassen: die gezählte Menge je Abweichungs-ID als JSON-Objekt' },
      ibal_reasoncode: { displayName: 'Ursache' },
      ibal_comment: { displayName: 'Kommentar' },
      ibal_confirmedlines: { displayName: 'Bestätigte Zeilen', description: 'Buchen: die Anzahl der Zeilen, die der Genehmiger bestätigt hat' },
      ibal_confirmedvalue: { displayName: 'Bestätigter Wert (absolut)', description: 'Buchen: der absolute Wert, den der Genehmiger bestätigt hat' },
      ibal_allornothing: { displayName: 'Alles oder nichts', description: 'Nur ausgeführt, wenn jede Zeile es kann: ein importierter Zählbogen wird ganz oder gar nicht erfasst' },
      ibal_requeststatus: { displayName: 'Anfragestatus' },
      ibal_progress: { displayName: 'Fortschritt' },
      ibal_outcome: { displayName: 'Ergebnis' },
      ibal_changedcount: { displayName: 'Geändert' },
      ibal_refusedcount: { displayName: 'Abgelehnt' },
      ibal_refusals: { displayName: 'Ablehnungen', description: 'Jede abgelehnte Abweichung mit dem Grund, als JSON' },
      ibal_postingbatch: { displayName: 'Buchungsstapel' },
      ibal_leaseuntil: { displayName: 'In Bearbeitung bis', description: 'Solange der Prüfdienst an der Anfrage arbeitet; eine darüber hinaus in Bearbeitung gebliebene Anfrage wird erneut aufgenommen' },
      ibal_processedon: { displayName: 'Bearbeitet am' },
    },
  },
  choices: {
    'ibal_snapshotrun.ibal_runstatus': { Running: 'Läuft', Completed: 'Abgeschlossen', Failed: 'Fehlgeschlagen', Replaced: 'Ersetzt' },
    'ibal_snapshotrun.ibal_islatest': { Yes: 'Ja', No: 'Nein' },
    'ibal_postingbatch.ibal_batchstatus': {
      Draft: 'Entwurf', Posting: 'In Buchung', Posted: 'Gebucht', 'Partially posted': 'Teilweise gebucht', Failed: 'Fehlgeschlagen', Synced: 'Synchronisiert', 'Sync errors': 'Synchronisierungsfehler',
    },
    'ibal_discrepancy.ibal_classification': { Material: 'Wesentlich', Timing: 'Zeitversatz', Immaterial: 'Unwesentlich' },
    'ibal_discrepancy.ibal_reviewstatus': {
      New: 'Neu', 'Count requested': 'Zählung angefordert', Counted: 'Gezählt', Approved: 'Genehmigt', Rejected: 'Abgelehnt',
      Explained: 'Erklärt', Posting: 'In Buchung', Posted: 'Gebucht', 'Post error': 'Buchungsfehler', Synced: 'Synchronisiert',
      'Sync error': 'Synchronisierungsfehler',
    },
    'ibal_discrepancy.ibal_reasoncode': {
      Damaged: 'Beschädigt', Shrink: 'Schwund', 'Receiving error': 'Fehler im Wareneingang', 'Picking error': 'Kommissionierfehler',
      'Integration failure': 'Integrationsfehler', 'Unit of measure error': 'Mengeneinheitenfehler', Timing: 'Zeitversatz', Unknown: 'Unbekannt',
    },
    'ibal_thresholdrule.ibal_active': { Yes: 'Ja', No: 'Nein' },
    'ibal_reviewrequest.ibal_allornothing': { Yes: 'Ja', No: 'Nein' },
    'ibal_discrepancy.ibal_likelycause': {
      'Unit of measure factor': 'Mengeneinheitenfaktor', 'Bin or status move': 'Lagerplatz- oder Statuswechsel', 'Duplicate line': 'Doppelte Zeile',
      'Missing line': 'Fehlende Zeile', 'Sign flip': 'Vorzeichenfehler', 'Partly in flight': 'Teilweise unterwegs', Persistent: 'Dauerhaft', 'Negative on-hand': 'Negativer Bestand',
    },
    'ibal_reviewrequest.ibal_action': {
      'Request count': 'Zählung anfordern', 'Record count': 'Zählung erfassen', Approve: 'Genehmigen', Reject: 'Ablehnen', 'Mark explained': 'Als erklärt markieren',
      Post: 'Buchen', 'Refresh IV status': 'IV-Status aktualisieren',
    },
    'ibal_reviewrequest.ibal_reasoncode': {
      Damaged: 'Beschädigt', Shrink: 'Schwund', 'Receiving error': 'Fehler im Wareneingang', 'Picking error': 'Kommissionierfehler',
      'Integration failure': 'Integrationsfehler', 'Unit of measure error': 'Mengeneinheitenfehler', Timing: 'Zeitversatz', Unknown: 'Unbekannt',
    },
    'ibal_reviewrequest.ibal_requeststatus': {
      Submitted: 'Eingereicht', 'In progress': 'In Bearbeitung', Completed: 'Abgeschlossen', 'Completed with refusals': 'Abgeschlossen mit Ablehnungen',
      Refused: 'Abgelehnt', Failed: 'Fehlgeschlagen',
    },
  },
  keys: {
    ibal_runnumberkey: 'Laufnummer',
    ibal_runkeyhash: 'Lauf und Schlüssel',
  },
  environmentVariables: {
    ibal_DiscrepancyRows: {
      displayName: 'Gespeicherte Abweichungen je Lauf',
      description: 'review (wesentlich, zeitlich bedingt, mit wahrscheinlicher Ursache oder bereits in Prüfung; die übrigen werden am Lauf gezählt und bleiben in discrepancies.csv) oder all (jede Abweichung, auch unwesentliche)',
    },
    ibal_RetentionWeeks: {
      displayName: 'Zeilen alter Läufe behalten (Wochen)',
      description: 'Der Job entfernt die Zeilen abgeschlossener Läufe, die älter als so viele Wochen sind, außer Zeilen in Prüfung, gebuchten Zeilen und ihren Stapeln; 0 behält jede Zeile',
    },
    ibal_IVEndpoint: {
      displayName: 'Inventory Visibility-Endpunkt',
      description: 'Der Endpunkt des IV-Dienstes, z. B. https://inventoryservice.<region>-il<island>.gateway.prod.island.powerapps.com (IV-App: Administratoreinstellungen → Dienstdetails anzeigen). Den Endpunkt verwenden, den D365 verwendet.',
    },
    ibal_IVEnvironmentId: {
      displayName: 'Inventory Visibility-Umgebungs-ID',
      description: 'Die Lifecycle Services-Umgebungs-ID der D365-Umgebung, die IV bedient',
    },
    ibal_IVQuantityDataSource: {
      displayName: 'IV-Mengendatenquelle',
      description: 'Die benutzerdefinierte IV-Datenquelle, an die Korrekturen gebucht werden; niemals fno (IV lehnt API-Schreibzugriffe darauf ab)',
    },
    ibal_IVPhysicalMeasure: {
      displayName: 'Physische IV-Kennzahl',
      description: 'Die physische Kennzahl der Datenquelle, die IV dem Lagerbestand zuordnet',
    },
    ibal_IVMaxLinesPerCall: {
      displayName: 'Max. Zeilen je IV-Aufruf',
      description: 'Zeilen, die in einem Massenaufruf für Anpassungen gesendet werden (das dokumentierte Limit der verwandten Massen-APIs ist 512)',
    },
    ibal_IVCreateWithSync: {
      displayName: 'Mit IV-Synchronisierung erstellen',
      description: 'createWithIVSync=true übergeben: IV erstellt die D365-Anpassungserfassung beim Buchen',
    },
    ibal_D365JournalNameId: {
      displayName: 'D365-Erfassungsname',
      description: 'Optionaler Name der Bestandsanpassungserfassung (fnoJournalNameId), den IV für die erstellten Erfassungen verwendet',
    },
    ibal_ApprovalCommentAboveValue: {
      displayName: 'Kommentar nötig über Wert',
      description: 'Die Genehmigung einer Korrektur mit höherem absolutem Wert verlangt einen bestätigenden Kommentar',
    },
    ibal_IVLedgerTables: {
      displayName: 'IV-Tabellen der Anpassungszeilen',
      description: "Wo Inventory Visibility die erhaltenen Zeilen in Dataverse ablegt (seine Tabellen 'Adjustment Line' und 'Aggregated Adjustment Line'): der Prüfdienst liest sie, bevor er eine Zeile erneut sendet, und um eine gebuchte Zeile bis D365 zu verfolgen. Ihre logischen Namen sind nicht dokumentiert: in Ihrer Umgebung prüfen (Tabellen, Suche 'Adjustment Line') und hier eintragen.",
    },
    ibal_AttentionAfterMinutes: {
      displayName: 'Braucht Aufmerksamkeit nach (Minuten)',
      description: 'Eine Korrektur, die nach so vielen Minuten noch in Buchung ist oder gebucht, aber nicht mit D365 synchronisiert, wird als aufmerksamkeitsbedürftig markiert',
    },
    ibal_PostingPath: {
      displayName: 'Buchungsweg',
      description: 'Wohin genehmigte Korrekturen gehen: iv (Inventory Visibility-Anpassungen) oder d365-journal (eine über die Datenverwaltung importierte D365-Erfassung, für Unternehmen ohne IV)',
    },
    ibal_D365Url: {
      displayName: 'URL von Dynamics 365 Finance and Operations',
      description: 'Die Umgebung, in die Erfassungen importiert werden, z. B. https://contoso.operations.dynamics.com (Weg d365-journal)',
    },
    ibal_D365ImportProject: {
      displayName: 'D365-Importdatenprojekt',
      description: 'Das Importdatenprojekt (Definitionsgruppe) der D365-Datenverwaltung, das das Erfassungspaket übernimmt (Weg d365-journal)',
    },
    ibal_D365JournalType: {
      displayName: 'D365-Erfassungstyp',
      description: 'adjustment (eine vorzeichenbehaftete Änderung: bleibt richtig, wenn inzwischen andere Buchungen erfolgen) oder counting (setzt den Bestand auf die Zählung: nur nach dem Snapshot gezählte Zeilen)',
    },
    ibal_D365JournalMaxLines: {
      displayName: 'Max. Zeilen je D365-Erfassung',
      description: 'Ein Buchungsstapel wird in Erfassungen mit höchstens so vielen Zeilen aufgeteilt; jeder Teil nennt den Stapel',
    },
    ibal_D365CountingJournalNameId: {
      displayName: 'D365-Name der Inventurerfassung',
      description: 'Der Name der Inventurerfassung beim Erfassungstyp counting (die Anpassungserfassung verwendet den D365-Erfassungsnamen)',
    },
  },
};
