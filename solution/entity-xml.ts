/**
 * Entity (table) XML generated from the definitions in core/ (solution.md §2), mirroring a real 2025 export:
 * every system attribute of a user-owned table, attributes sorted by physical name, the entity flags after them.
 */
import type { ColumnDefinition, TableDefinition } from '../core/dataverse/schema.js';
import { descriptions, displayNames, flag, labels, localizedNames, ordered, type Ordered, type XmlNode } from './xml.js';

const INTRODUCED = '1.0';

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
  displayName: string;
  description: string;
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

function optionSet(name: string, type: 'picklist' | 'bit', displayName: string, options: Array<{ value: number; label: string }>): XmlNode {
  return {
    '@_Name': name,
    OptionSetType: type,
    IntroducedVersion: INTRODUCED,
    IsCustomizable: '1',
    ExternalTypeName: '',
    displaynames: displayNames(displayName),
    Descriptions: descriptions(''),
    options: {
      option: options.map((o) => ({
        '@_value': o.value, '@_ExternalValue': '', '@_IsHidden': '0',
        labels: labels(o.label), Descriptions: descriptions(''),
      })),
    },
  };
}

const BEHAVIOR = { UserLocal: 1, DateOnly: 2, TimeZoneIndependent: 3 } as const;

/** The type-specific part of a custom column. */
function typeSpecific(table: TableDefinition, column: ColumnDefinition): { type: string; imeMode?: 'disabled' | 'inactive'; specific: XmlNode } {
  const t = column.type;
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
        optionset: optionSet(`${table.logicalName}_${column.logicalName}`, 'bit', column.displayName,
          [{ value: 1, label: t.trueLabel }, { value: 0, label: t.falseLabel }]),
      },
    };
    case 'choice': return {
      type: 'picklist',
      specific: {
        AppDefaultValue: t.defaultValue ?? -1,
        optionset: optionSet(`${table.logicalName}_${column.logicalName}`, 'picklist', column.displayName, [...t.choices]),
      },
    };
    case 'lookup': return { type: 'lookup', specific: { LookupStyle: 'single', LookupTypes: '' } };
  }
}

function customAttribute(table: TableDefinition, column: ColumnDefinition, primaryName: boolean): XmlNode {
  const { type, imeMode, specific } = typeSpecific(table, column);
  return attribute({
    physicalName: column.schemaName, type, logicalName: column.logicalName,
    required: column.required,
    displayMask: primaryName ? `PrimaryName|${GRID_MASK}|RequiredForForm` : GRID_MASK,
    ...(imeMode ? { imeMode } : {}),
    create: true, update: true, custom: true, secured: column.secured, specific,
    displayName: column.displayName, description: column.description,
  });
}

/** The system attributes of a user-owned table, as the platform exports them. */
function systemAttributes(table: TableDefinition): XmlNode[] {
  const lookupSpecific = { LookupStyle: 'single', LookupTypes: '' };
  const sys = (physicalName: string, type: string, displayName: string, description: string,
    options: Partial<AttributeSpec> = {}): XmlNode => attribute({
    physicalName, type, logicalName: physicalName.toLowerCase(), required: 'none', displayMask: GRID_MASK,
    create: false, update: false, custom: false, displayName, description, ...options,
  });
  const entity = table.displayName;
  return [
    sys('CreatedBy', 'lookup', 'Created By', 'Unique identifier of the user who created the record.', { specific: lookupSpecific }),
    sys('CreatedOn', 'datetime', 'Created On', 'Date and time when the record was created.',
      { imeMode: 'inactive', specific: { Format: 'datetime', CanChangeDateTimeBehavior: '0', Behavior: 1 } }),
    sys('CreatedOnBehalfBy', 'lookup', 'Created By (Delegate)', 'Unique identifier of the delegate user who created the record.', { specific: lookupSpecific }),
    sys('ImportSequenceNumber', 'int', 'Import Sequence Number', 'Sequence number of the import that created this record.',
      { create: true, imeMode: 'disabled', specific: { Format: 'none', MinValue: -2147483648, MaxValue: 2147483647 } }),
    sys('ModifiedBy', 'lookup', 'Modified By', 'Unique identifier of the user who modified the record.', { specific: lookupSpecific }),
    sys('ModifiedOn', 'datetime', 'Modified On', 'Date and time when the record was modified.',
      { imeMode: 'inactive', specific: { Format: 'datetime', CanChangeDateTimeBehavior: '0', Behavior: 1 } }),
    sys('ModifiedOnBehalfBy', 'lookup', 'Modified By (Delegate)', 'Unique identifier of the delegate user who modified the record.', { specific: lookupSpecific }),
    sys('OverriddenCreatedOn', 'datetime', 'Record Created On', 'Date and time that the record was migrated.',
      { create: true, imeMode: 'inactive', specific: { Format: 'date', CanChangeDateTimeBehavior: '0', Behavior: 1 } }),
    sys('OwnerId', 'owner', 'Owner', 'Owner Id', { required: 'systemrequired', create: true, update: true, specific: lookupSpecific }),
    sys('OwningBusinessUnit', 'lookup', 'Owning Business Unit', 'Unique identifier for the business unit that owns the record', { specific: lookupSpecific }),
    sys('OwningTeam', 'lookup', 'Owning Team', 'Unique identifier for the team that owns the record.', { specific: lookupSpecific }),
    sys('OwningUser', 'lookup', 'Owning User', 'Unique identifier for the user that owns the record.', { specific: lookupSpecific }),
    sys(`${table.schemaName}Id`, 'primarykey', entity, 'Unique identifier for entity instances',
      { required: 'systemrequired', displayMask: 'ValidForAdvancedFind|RequiredForGrid', create: true }),
    sys('statecode', 'state', 'Status', `Status of the ${entity}`, {
      required: 'systemrequired', update: true,
      specific: {
        optionset: {
          '@_Name': `${table.logicalName}_statecode`, OptionSetType: 'state', IntroducedVersion: INTRODUCED, IsCustomizable: '1',
          displaynames: displayNames('Status'), Descriptions: descriptions(`Status of the ${entity}`),
          states: { state: [
            { '@_value': 0, '@_defaultstatus': 1, '@_invariantname': 'Active', labels: labels('Active') },
            { '@_value': 1, '@_defaultstatus': 2, '@_invariantname': 'Inactive', labels: labels('Inactive') },
          ] },
        },
      },
    }),
    sys('statuscode', 'status', 'Status Reason', `Reason for the status of the ${entity}`, {
      create: true, update: true,
      specific: {
        optionset: {
          '@_Name': `${table.logicalName}_statuscode`, OptionSetType: 'status', IntroducedVersion: INTRODUCED, IsCustomizable: '1',
          displaynames: displayNames('Status Reason'), Descriptions: descriptions(`Reason for the status of the ${entity}`),
          statuses: { status: [
            { '@_value': 1, '@_state': 0, labels: labels('Active') },
            { '@_value': 2, '@_state': 1, labels: labels('Inactive') },
          ] },
        },
      },
    }),
    sys('TimeZoneRuleVersionNumber', 'int', 'Time Zone Rule Version Number', 'For internal use only.',
      { create: true, update: true, imeMode: 'disabled', specific: { Format: 'none', MinValue: -1, MaxValue: 2147483647 } }),
    sys('UTCConversionTimeZoneCode', 'int', 'UTC Conversion Time Zone Code', 'Time zone code that was in use when the record was created.',
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

/** The children of a table's `<Entity>` element, followed by its forms, views, charts and ribbon from solution/src. */
export function entityChildren(table: TableDefinition, parts: Ordered): Ordered {
  const attributes = [
    ...systemAttributes(table),
    customAttribute(table, table.primaryName, true),
    ...Object.values(table.columns).map((c) => customAttribute(table, c, false)),
  ].sort((a, b) => String(a['@_PhysicalName']).toLowerCase().localeCompare(String(b['@_PhysicalName']).toLowerCase()));
  const entity: XmlNode = {
    '@_Name': table.schemaName,
    LocalizedNames: localizedNames(table.displayName),
    LocalizedCollectionNames: { LocalizedCollectionName: { '@_description': table.pluralName, '@_languagecode': 1033 } },
    Descriptions: descriptions(table.description),
    attributes: { attribute: attributes },
    ...(table.keys.length > 0 ? {
      EntityKeys: {
        EntityKey: table.keys.map((key) => ({
          Name: key.logicalName, LogicalName: key.logicalName, IntroducedVersion: INTRODUCED, IsCustomizable: '1',
          EntityKeyAttributes: { AttributeName: [...key.columns] }, displaynames: displayNames(key.displayName),
        })),
      },
    } : {}),
    EntitySetName: table.entitySetName,
    ...Object.fromEntries(ENTITY_FLAGS),
  };
  return [...ordered({
    Name: { '@_LocalizedName': table.displayName, '@_OriginalName': table.displayName, '#text': table.schemaName },
    EntityInfo: { entity },
  }), ...parts];
}

/** One-to-many relationships for the lookup columns (the referencing table holds the lookup). */
export function relationshipElements(tables: readonly TableDefinition[]): XmlNode[] {
  const schemaOf = (logicalName: string) => tables.find((t) => t.logicalName === logicalName)?.schemaName ?? logicalName.charAt(0).toUpperCase() + logicalName.slice(1);
  return tables.flatMap((table) => Object.values(table.columns).flatMap((column) => {
    if (column.type.kind !== 'lookup') return [];
    const referenced = schemaOf(column.type.target);
    const name = `${table.logicalName}_${column.logicalName}_${column.type.target}`;
    return [{
      '@_Name': name,
      EntityRelationshipType: 'OneToMany', IsCustomizable: '1', IntroducedVersion: INTRODUCED, IsHierarchical: '0',
      ReferencingEntityName: table.schemaName, ReferencedEntityName: referenced,
      CascadeAssign: 'NoCascade',
      CascadeDelete: column.type.onDelete,
      CascadeReparent: 'NoCascade', CascadeShare: 'NoCascade', CascadeUnshare: 'NoCascade', CascadeRollupView: 'NoCascade',
      IsValidForAdvancedFind: '1',
      ReferencingAttributeName: column.schemaName,
      RelationshipDescription: { Descriptions: descriptions('') },
      EntityRelationshipRoles: { EntityRelationshipRole: [
        { NavPaneDisplayOption: 'UseCollectionName', NavPaneArea: 'Details', NavPaneOrder: 10000,
          NavigationPropertyName: column.logicalName, RelationshipRoleType: 1 },
        { NavigationPropertyName: name, RelationshipRoleType: 0 },
      ] },
    }];
  }));
}
