/**
 * An environment variable definition as exports write it (environmentvariabledefinitions/<schema name>/
 * environmentvariabledefinition.xml, the same file in the zip and in the pac layout), from core/dataverse.
 */
import { ENVIRONMENT_VARIABLE_TYPES, type EnvironmentVariableDefinition } from '../core/dataverse/environment.js';
import { LANGUAGES, ENGLISH, type Bilingual, type LabelBook } from './labels.js';
import { ordered, xmlDocument, type XmlNode } from './xml.js';

const labelled = (text: Bilingual): XmlNode => ({
  '@_default': text.en,
  label: LANGUAGES.map((code) => ({ '@_description': code === ENGLISH ? text.en : text.de, '@_languagecode': code })),
});

export const environmentVariablePath = (variable: EnvironmentVariableDefinition): string =>
  `environmentvariabledefinitions/${variable.schemaName}/environmentvariabledefinition.xml`;

export function environmentVariableXml(variable: EnvironmentVariableDefinition, book: LabelBook): string {
  const text = book.environmentVariable(variable);
  return xmlDocument(ordered({
    environmentvariabledefinition: {
      '@_schemaname': variable.schemaName,
      ...(variable.defaultValue === undefined ? {} : { defaultvalue: variable.defaultValue }),
      description: labelled(text.description),
      displayname: labelled(text.name),
      introducedversion: '1.0',
      iscustomizable: '1',
      isrequired: '0',
      secretstore: '0',
      type: ENVIRONMENT_VARIABLE_TYPES[variable.type],
    },
  }));
}
