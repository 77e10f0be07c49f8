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
      ibal_ivlineid: { displayName: 'IV-Zeilen-ID' },
      ibal_ivstatus: { displayName: 'IV-Status' },
      ibal_lasterror: { displayName: 'Letzter Fehler' },
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
    },
  },
  choices: {
    'ibal_snapshotrun.ibal_runstatus': { Running: 'Läuft', Completed: 'Abgeschlossen', Failed: 'Fehlgeschlagen' },
    'ibal_snapshotrun.ibal_islatest': { Yes: 'Ja', No: 'Nein' },
    'ibal_postingbatch.ibal_batchstatus': {
      Draft: 'Entwurf', Posting: 'In Buchung', Posted: 'Gebucht', 'Partially posted': 'Teilweise gebucht', Failed: 'Fehlgeschlagen',
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
  },
  keys: {
    ibal_runnumberkey: 'Laufnummer',
    ibal_runkeyhash: 'Lauf und Schlüssel',
  },
  environmentVariables: {
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
    ibal_TokenBrokerUrl: {
      displayName: 'URL des Token-Brokers',
      description: 'Der Dienst, der den Webressourcen IV-Token ausstellt (ein geheimer Clientschlüssel gelangt nie in eine Webressource)',
    },
    ibal_IVCallsThroughBroker: {
      displayName: 'IV-Aufrufe über den Broker',
      description: 'yes: Die Webressourcen senden Anpassungs- und Statusaufrufe an den Broker, der sie an IV weiterleitet (wenn das IV-Gateway ursprungsübergreifende Aufrufe von Dynamics 365-Seiten ablehnt)',
    },
    ibal_BrokerClientId: {
      displayName: 'App-ID für die Broker-Anmeldung',
      description: 'Die Entra-Anwendungs-ID (Client-ID), mit der sich die Webressourcen per einmaligem Anmelden anmelden, um das Dataverse-Token zu erhalten, das der Broker prüft',
    },
    ibal_ApprovalCommentAboveValue: {
      displayName: 'Kommentar nötig über Wert',
      description: 'Die Genehmigung einer Korrektur mit höherem absolutem Wert verlangt einen bestätigenden Kommentar',
    },
  },
};
