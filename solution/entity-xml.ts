/**
 * Table XML generated from the definitions in core/ (solution.md §2), mirroring real exports (CodeInterpreterSample
 * 2025, Templates-for-Power-Platform's mpa_Checklist): every system attribute of a user-owned table, attributes sorted
 * by physical name, the entity flags after them, each label in both languages; and the table's relationships,
 * its lookups' and the system ones every export lists (business unit, owner, team, created/modified by, owning user).
 */
import type { ColumnDefinition, TableDefinition } from '../core/dataverse/schema.js';
import { bilingual, type Bilingual, type LabelBook } from './labels.js';
import { schemaNameOfTable } from './system-tables.js';
import { compareIgnoringCase, descriptions, displayNames, flag, labels, localizedCollectionNames, localizedNames, ordered, type Ordered, type XmlNode } from './xml.js';

const INTRODUCED = '1.0';
const NONE = bilingual('', '');

interface AttributeSpec {
  physicalName: string;
  type: string;
  logicalName: string;
  required: 'none' | 'recommended' | 'required' | 'systemrequired';
  displayMask: string;
  imeMode?: 'auto' | 'disabled' | 'inactive';
  create: boolean;
  update: boolean;
  custom: boolean;
  secured?: boolean;
  specific?: XmlNode;
  displayName: Bilingual;
  description: Bilingual;
}

const GRID_MASK = 'ValidForAdvancedFind|ValidForForm|ValidForGrid';

function attribute(spec: AttributeSpec): XmlNode {
  return {
    '@_PhysicalName': spec.physicalName,
    Type: spec.type,
    Name: spec.logicalName,
    LogicalName: spec.logicalName,
    RequiredLevel: spec.required,
    DisplayMask: spec.displayMask,
    ImeMode: spec.imeMode ?? 'auto',
    ValidForUpdateApi: flag(spec.update),
    ValidForReadApi: '1',
    ValidForCreateApi: flag(spec.create),
    IsCustomField: flag(spec.custom),
    IsAuditEnabled: flag(spec.custom),
    IsSecured: flag(spec.secured ?? false),
    IntroducedVersion: INTRODUCED,
    IsCustomizable: '1',
    IsRenameable: '1',
    CanModifySearchSettings: '1',
    CanModifyRequirementLevelSettings: '1',
    CanModifyAdditionalSettings: '1',
    SourceType: '0',
    IsGlobalFilterEnabled: '0',
    IsSortableEnabled: '0',
    CanModifyGlobalFilterSettings: '1',
    CanModifyIsSortableSettings: '1',
    IsDataSourceSecret: '0',
    AutoNumberFormat: '',
    IsSearchable: '0',
    IsFilterable: '0',
    IsRetrievable: '0',
    IsLocalizable: '0',
    ...spec.specific,
    displaynames: displayNames(spec.displayName),
    Descriptions: descriptions(spec.description),
  };
}

function optionSet(name: string, type: 'picklist' | 'bit', displayName: Bilingual, options: Array<{ value: number; label: Bilingual }>): XmlNode {
  return {
    '@_Name': name,
    OptionSetType: type,
    IntroducedVersion: INTRODUCED,
    IsCustomizable: '1',
    ExternalTypeName: '',
    displaynames: displayNames(displayName),
    Descriptions: descriptions(NONE),
    options: {
      option: options.map((o) => ({
        '@_value': o.value, '@_ExternalValue': '', '@_IsHidden': '0',
        labels: labels(o.label), Descriptions: descriptions(NONE),
      })),
    },
  };
}

const BEHAVIOR = { UserLocal: 1, DateOnly: 2, TimeZoneIndependent: 3 } as const;

/** The type-specific part of a custom column. */
function typeSpecific(table: TableDefinition, column: ColumnDefinition, book: LabelBook): { type: string; imeMode?: 'disabled' | 'inactive'; specific: XmlNode } {
  const t = column.type;
  const name = book.column(table, column).name;
  switch (t.kind) {
    case 'text': return { type: 'nvarchar', specific: { Format: t.format, MaxLength: t.maxLength, Length: t.maxLength * 2 } };
    case 'memo': return { type: 'ntext', specific: { Format: 'text', MaxLength: t.maxLength } };
    case 'integer': return { type: 'int', imeMode: 'disabled', specific: { Format: 'none', MinValue: t.min, MaxValue: t.max } };
    case 'decimal': return { type: 'decimal', imeMode: 'disabled', specific: { MinValue: t.min, MaxValue: t.max, Accuracy: t.precision } };
    case 'datetime': return {
      type: 'datetime', imeMode: 'inactive',
      specific: { Format: t.format, CanChangeDateTimeBehavior: '1', Behavior: BEHAVIOR[t.behavior] },
    };
    case 'boolean': return {
      type: 'bit',
      specific: {
        AppDefaultValue: t.defaultValue ? 1 : 0,
        optionset: optionSet(`${table.logicalName}_${column.logicalName}`, 'bit', name, [
          { value: 1, label: book.choice(table, column, t.trueLabel) },
          { value: 0, label: book.choice(table, column, t.falseLabel) },
        ]),
      },
    };
    case 'choice': return {
      type: 'picklist',
      specific: {
        AppDefaultValue: t.defaultValue ?? -1,
        optionset: optionSet(`${table.logicalName}_${column.logicalName}`, 'picklist', name,
          t.choices.map((c) => ({ value: c.value, label: book.choice(table, column, c.label) }))),
      },
    };
    case 'lookup': return { type: 'lookup', specific: { LookupStyle: 'single', LookupTypes: '' } };
  }
}

function customAttribute(table: TableDefinition, column: ColumnDefinition, primaryName: boolean, book: LabelBook): XmlNode {
  const { type, imeMode, specific } = typeSpecific(table, column, book);
  const text = book.column(table, column);
  return attribute({
    physicalName: column.schemaName, type, logicalName: column.logicalName,
    required: column.required,
    displayMask: primaryName ? `PrimaryName|${GRID_MASK}|RequiredForForm` : GRID_MASK,
    ...(imeMode ? { imeMode } : {}),
    create: true, update: true, custom: true, secured: column.secured, specific,
    displayName: text.name, description: text.description,
  });
}

/**
 * The labels of the system columns, in both languages. The descriptions double as the system relationships'
 * descriptions, as in exports.
 */
const SYSTEM = {
  createdBy: { name: bilingual('Created By', 'Erstellt von'), description: bilingual('Unique identifier of the user who created the record.', 'Eindeutiger Bezeichner des Benutzers, der den Datensatz erstellt hat.') },
  createdOn: { name: bilingual('Created On', 'Erstellt am'), description: bilingual('Date and time when the record was created.', 'Datum und Uhrzeit der Erstellung des Datensatzes.') },
  createdOnBehalfBy: { name: bilingual('Created By (Delegate)', 'Erstellt von (Stellvertretung)'), description: bilingual('Unique identifier of the delegate user who created the record.', 'Eindeutiger Bezeichner des stellvertretenden Benutzers, der den Datensatz erstellt hat.') },
  importSequenceNumber: { name: bilingual('Import Sequence Number', 'Importsequenznummer'), description: bilingual('Sequence number of the import that created this record.', 'Sequenznummer des Imports, der diesen Datensatz erstellt hat.') },
  modifiedBy: { name: bilingual('Modified By', 'Geändert von'), description: bilingual('Unique identifier of the user who modified the record.', 'Eindeutiger Bezeichner des Benutzers, der den Datensatz geändert hat.') },
  modifiedOn: { name: bilingual('Modified On', 'Geändert am'), description: bilingual('Date and time when the record was modified.', 'Datum und Uhrzeit der Änderung des Datensatzes.') },
  modifiedOnBehalfBy: { name: bilingual('Modified By (Delegate)', 'Geändert von (Stellvertretung)'), description: bilingual('Unique identifier of the delegate user who modified the record.', 'Eindeutiger Bezeichner des stellvertretenden Benutzers, der den Datensatz geändert hat.') },
  overriddenCreatedOn: { name: bilingual('Record Created On', 'Datensatz erstellt am'), description: bilingual('Date and time that the record was migrated.', 'Datum und Uhrzeit der Migration des Datensatzes.') },
  ownerId: { name: bilingual('Owner', 'Besitzer'), description: bilingual('Owner Id', 'Besitzer-ID') },
  owningBusinessUnit: { name: bilingual('Owning Business Unit', 'Besitzende Unternehmenseinheit'), description: bilingual('Unique identifier for the business unit that owns the record', 'Eindeutiger Bezeichner der Unternehmenseinheit, die den Datensatz besitzt') },
  owningTeam: { name: bilingual('Owning Team', 'Besitzendes Team'), description: bilingual('Unique identifier for the team that owns the record.', 'Eindeutiger Bezeichner des Teams, das den Datensatz besitzt.') },
  owningUser: { name: bilingual('Owning User', 'Besitzender Benutzer'), description: bilingual('Unique identifier for the user that owns the record.', 'Eindeutiger Bezeichner des Benutzers, der den Datensatz besitzt.') },
  timeZoneRuleVersionNumber: { name: bilingual('Time Zone Rule Version Number', 'Versionsnummer der Zeitzonenregel'), description: bilingual('For internal use only.', 'Nur zur internen Verwendung.') },
  utcConversionTimeZoneCode: { name: bilingual('UTC Conversion Time Zone Code', 'Zeitzonencode der UTC-Konvertierung'), description: bilingual('Time zone code that was in use when the record was created.', 'Zeitzonencode, der bei der Erstellung des Datensatzes verwendet wurde.') },
  active: bilingual('Active', 'Aktiv'),
  inactive: bilingual('Inactive', 'Inaktiv'),
} as const;

/** The system attributes of a user-owned table, as the platform exports them. */
function systemAttributes(table: TableDefinition, book: LabelBook): XmlNode[] {
  const lookupSpecific = { LookupStyle: 'single', LookupTypes: '' };
  const sys = (physicalName: string, type: string, text: { name: Bilingual; description: Bilingual },
    options: Partial<AttributeSpec> = {}): XmlNode => attribute({
    physicalName, type, logicalName: physicalName.toLowerCase(), required: 'none', displayMask: GRID_MASK,
    create: false, update: false, custom: false, displayName: text.name, description: text.description, ...options,
  });
  const entity = book.table(table).name;
  const statusOf = bilingual(`Status of the ${entity.en}`, `Status des Datensatzes ${entity.de}`);
  const reasonOf = bilingual(`Reason for the status of the ${entity.en}`, `Grund für den Status des Datensatzes ${entity.de}`);
  const status = bilingual('Status', 'Status');
  const statusReason = bilingual('Status Reason', 'Statusgrund');
  return [
    sys('CreatedBy', 'lookup', SYSTEM.createdBy, { specific: lookupSpecific }),
    sys('CreatedOn', 'datetime', SYSTEM.createdOn,
      { imeMode: 'inactive', specific: { Format: 'datetime', CanChangeDateTimeBehavior: '0', Behavior: 1 } }),
    sys('CreatedOnBehalfBy', 'lookup', SYSTEM.createdOnBehalfBy, { specific: lookupSpecific }),
    sys('ImportSequenceNumber', 'int', SYSTEM.importSequenceNumber,
      { create: true, imeMode: 'disabled', specific: { Format: 'none', MinValue: -2147483648, MaxValue: 2147483647 } }),
    sys('ModifiedBy', 'lookup', SYSTEM.modifiedBy, { specific: lookupSpecific }),
    sys('ModifiedOn', 'datetime', SYSTEM.modifiedOn,
      { imeMode: 'inactive', specific: { Format: 'datetime', CanChangeDateTimeBehavior: '0', Behavior: 1 } }),
    sys('ModifiedOnBehalfBy', 'lookup', SYSTEM.modifiedOnBehalfBy, { specific: lookupSpecific }),
    sys('OverriddenCreatedOn', 'datetime', SYSTEM.overriddenCreatedOn,
      { create: true, imeMode: 'inactive', specific: { Format: 'date', CanChangeDateTimeBehavior: '0', Behavior: 1 } }),
    sys('OwnerId', 'owner', SYSTEM.ownerId, { required: 'systemrequired', create: true, update: true, specific: lookupSpecific }),
    sys('OwningBusinessUnit', 'lookup', SYSTEM.owningBusinessUnit, { specific: lookupSpecific }),
    sys('OwningTeam', 'lookup', SYSTEM.owningTeam, { specific: lookupSpecific }),
    sys('OwningUser', 'lookup', SYSTEM.owningUser, { specific: lookupSpecific }),
    sys(`${table.schemaName}Id`, 'primarykey', { name: entity, description: bilingual('Unique identifier for entity instances', 'Eindeutiger Bezeichner der Datensätze') },
      { required: 'systemrequired', displayMask: 'ValidForAdvancedFind|RequiredForGrid', create: true }),
    sys('statecode', 'state', { name: status, description: statusOf }, {
      required: 'systemrequired', update: true,
      specific: {
        optionset: {
          '@_Name': `${table.logicalName}_statecode`, OptionSetType: 'state', IntroducedVersion: INTRODUCED, IsCustomizable: '1',
          displaynames: displayNames(status), Descriptions: descriptions(statusOf),
          states: { state: [
            { '@_value': 0, '@_defaultstatus': 1, '@_invariantname': 'Active', labels: labels(SYSTEM.active) },
            { '@_value': 1, '@_defaultstatus': 2, '@_invariantname': 'Inactive', labels: labels(SYSTEM.inactive) },
          ] },
        },
      },
    }),
    sys('statuscode', 'status', { name: statusReason, description: reasonOf }, {
      create: true, update: true,
      specific: {
        optionset: {
          '@_Name': `${table.logicalName}_statuscode`, OptionSetType: 'status', IntroducedVersion: INTRODUCED, IsCustomizable: '1',
          displaynames: displayNames(statusReason), Descriptions: descriptions(reasonOf),
          statuses: { status: [
            { '@_value': 1, '@_state': 0, labels: labels(SYSTEM.active) },
            { '@_value': 2, '@_state': 1, labels: labels(SYSTEM.inactive) },
          ] },
        },
      },
    }),
    sys('TimeZoneRuleVersionNumber', 'int', SYSTEM.timeZoneRuleVersionNumber,
      { create: true, update: true, imeMode: 'disabled', specific: { Format: 'none', MinValue: -1, MaxValue: 2147483647 } }),
    sys('UTCConversionTimeZoneCode', 'int', SYSTEM.utcConversionTimeZoneCode,
      { create: true, update: true, imeMode: 'disabled', specific: { Format: 'none', MinValue: -1, MaxValue: 2147483647 } }),
  ];
}

const ENTITY_FLAGS: Array<[string, string]> = [
  ['IsDuplicateCheckSupported', '0'], ['IsBusinessProcessEnabled', '0'], ['IsRequiredOffline', '0'],
  ['IsInteractionCentricEnabled', '0'], ['IsCollaboration', '0'], ['AutoRouteToOwnerQueue', '0'],
  ['IsConnectionsEnabled', '0'], ['IsDocumentManagementEnabled', '0'], ['AutoCreateAccessTeams', '0'],
  ['IsOneNoteIntegrationEnabled', '0'], ['IsKnowledgeManagementEnabled', '0'], ['IsSLAEnabled', '0'],
  ['IsDocumentRecommendationsEnabled', '0'], ['IsBPFEntity', '0'], ['OwnershipTypeMask', 'UserOwned'],
  ['IsAuditEnabled', '1'], ['IsRetrieveAuditEnabled', '0'], ['IsRetrieveMultipleAuditEnabled', '0'], ['IsActivity', '0'],
  ['ActivityTypeMask', ''], ['IsActivityParty', '0'], ['IsReplicated', '0'], ['IsReplicationUserFiltered', '0'],
  ['IsMailMergeEnabled', '0'], ['IsVisibleInMobile', '0'], ['IsVisibleInMobileClient', '0'], ['IsReadOnlyInMobileClient', '0'],
  ['IsOfflineInMobileClient', '0'], ['DaysSinceRecordLastModified', '0'], ['MobileOfflineFilters', ''],
  ['IsMapiGridEnabled', '1'], ['IsReadingPaneEnabled', '1'], ['IsQuickCreateEnabled', '0'], ['SyncToExternalSearchIndex', '0'],
  ['IntroducedVersion', INTRODUCED], ['IsCustomizable', '1'], ['IsRenameable', '1'], ['IsMappable', '1'],
  ['CanModifyAuditSettings', '1'], ['CanModifyMobileVisibility', '1'], ['CanModifyMobileClientVisibility', '1'],
  ['CanModifyMobileClientReadOnly', '1'], ['CanModifyMobileClientOffline', '1'], ['CanModifyConnectionSettings', '1'],
  ['CanModifyDuplicateDetectionSettings', '1'], ['CanModifyMailMergeSettings', '1'], ['CanModifyQueueSettings', '1'],
  ['CanCreateAttributes', '1'], ['CanCreateForms', '1'], ['CanCreateCharts', '1'], ['CanCreateViews', '1'],
  ['CanModifyAdditionalSettings', '1'], ['CanEnableSyncToExternalSearchIndex', '1'], ['EnforceStateTransitions', '0'],
  ['CanChangeHierarchicalRelationship', '1'], ['EntityHelpUrlEnabled', '0'], ['ChangeTrackingEnabled', '1'],
  ['CanChangeTrackingBeEnabled', '1'], ['IsEnabledForExternalChannels', '0'], ['IsMSTeamsIntegrationEnabled', '0'],
  ['IsSolutionAware', '0'],
];

/** Attributes in the order exports write them: by physical name, ignoring case. */
const byPhysicalName = (a: XmlNode, b: XmlNode): number => compareIgnoringCase(String(a['@_PhysicalName']), String(b['@_PhysicalName']));

/**
 * The `<Name>` and `<EntityInfo>` of a table's Entity.xml (pac layout), both generated from core/. The rest of the
 * file (the placeholders of the split-out forms, views and ribbon, a grid's control configuration) is not.
 */
export function entityInfo(table: TableDefinition, book: LabelBook): Ordered {
  const text = book.table(table);
  const attributes = [
    ...systemAttributes(table, book),
    customAttribute(table, table.primaryName, true, book),
    ...Object.values(table.columns).map((c) => customAttribute(table, c, false, book)),
  ].sort(byPhysicalName);
  const entity: XmlNode = {
    '@_Name': table.schemaName,
    LocalizedNames: localizedNames(text.name),
    LocalizedCollectionNames: localizedCollectionNames(text.plural),
    Descriptions: descriptions(text.description),
    attributes: { attribute: attributes },
    ...(table.keys.length > 0 ? {
      EntityKeys: {
        // As exports write keys: the schema name as Name, not customizable in the target environment.
        EntityKey: table.keys.map((key) => ({
          Name: key.schemaName, LogicalName: key.logicalName, IntroducedVersion: INTRODUCED, IsCustomizable: '0',
          EntityKeyAttributes: { AttributeName: [...key.columns] }, displaynames: displayNames(book.key(key)),
        })),
      },
    } : {}),
    EntitySetName: table.entitySetName,
    ...Object.fromEntries(ENTITY_FLAGS),
  };
  return ordered({
    Name: { '@_LocalizedName': table.displayName, '@_OriginalName': table.displayName, '#text': table.schemaName },
    EntityInfo: { entity },
  });
}

/** A relationship and the table whose file holds it (pac writes Other/Relationships/<referenced schema name>.xml). */
export interface RelationshipDefinition { name: string; referencedSchemaName: string; xml: XmlNode }

const CASCADE_NONE = { CascadeAssign: 'NoCascade', CascadeDelete: 'NoCascade', CascadeArchive: 'NoCascade', CascadeReparent: 'NoCascade', CascadeShare: 'NoCascade', CascadeUnshare: 'NoCascade' };

/** The relationships every user-owned table has with system tables, as exports list them. */
function systemRelationships(table: TableDefinition): RelationshipDefinition[] {
  const system = (name: string, referenced: string, attribute: string, description: Bilingual, cascade: Record<string, string> = CASCADE_NONE): RelationshipDefinition => ({
    name, referencedSchemaName: referenced,
    xml: {
      '@_Name': name,
      EntityRelationshipType: 'OneToMany', IsCustomizable: '1', IntroducedVersion: INTRODUCED, IsHierarchical: '0',
      ReferencingEntityName: table.schemaName, ReferencedEntityName: referenced,
      ...cascade,
      ReferencingAttributeName: attribute,
      RelationshipDescription: { Descriptions: descriptions(description) },
    },
  });
  const logical = table.logicalName;
  return [
    system(`business_unit_${logical}`, 'BusinessUnit', 'OwningBusinessUnit', SYSTEM.owningBusinessUnit.description,
      { ...CASCADE_NONE, CascadeDelete: 'Restrict', CascadeArchive: 'Restrict' }),
    system(`lk_${logical}_createdby`, 'SystemUser', 'CreatedBy', SYSTEM.createdBy.description),
    system(`lk_${logical}_modifiedby`, 'SystemUser', 'ModifiedBy', SYSTEM.modifiedBy.description),
    system(`owner_${logical}`, 'Owner', 'OwnerId', SYSTEM.ownerId.description),
    system(`team_${logical}`, 'Team', 'OwningTeam', SYSTEM.owningTeam.description),
    system(`user_${logical}`, 'SystemUser', 'OwningUser', SYSTEM.owningUser.description),
  ];
}

/** One-to-many relationships for the lookup columns (the referencing table holds the lookup). */
function lookupRelationships(table: TableDefinition, tables: readonly TableDefinition[]): RelationshipDefinition[] {
  return Object.values(table.columns).flatMap((column) => {
    if (column.type.kind !== 'lookup') return [];
    const referenced = schemaNameOfTable(column.type.target, tables, `${table.logicalName}.${column.logicalName}`);
    const name = `${table.logicalName}_${column.logicalName}_${column.type.target}`;
    const cascade = column.type.onDelete;
    return [{
      name, referencedSchemaName: referenced,
      xml: {
        '@_Name': name,
        EntityRelationshipType: 'OneToMany', IsCustomizable: '1', IntroducedVersion: INTRODUCED, IsHierarchical: '0',
        ReferencingEntityName: table.schemaName, ReferencedEntityName: referenced,
        CascadeAssign: 'NoCascade', CascadeDelete: cascade, CascadeArchive: cascade,
        CascadeReparent: 'NoCascade', CascadeShare: 'NoCascade', CascadeUnshare: 'NoCascade', CascadeRollupView: 'NoCascade',
        IsValidForAdvancedFind: '1',
        ReferencingAttributeName: column.schemaName,
        RelationshipDescription: { Descriptions: descriptions(NONE) },
        EntityRelationshipRoles: { EntityRelationshipRole: [
          { NavPaneDisplayOption: 'UseCollectionName', NavPaneArea: 'Details', NavPaneOrder: 10000,
            NavigationPropertyName: column.logicalName, RelationshipRoleType: 1 },
          { NavigationPropertyName: name, RelationshipRoleType: 0 },
        ] },
      },
    }];
  });
}

/** Every relationship of the solution's tables, sorted by name as exports list them. */
export function relationshipsOf(tables: readonly TableDefinition[]): RelationshipDefinition[] {
  return tables.flatMap((t) => [...systemRelationships(t), ...lookupRelationships(t, tables)])
    .sort((a, b) => compareIgnoringCase(a.name, b.name));
}
