/**
 * XML in and out through fast-xml-parser, order-preserving: a maker's element order (fetchxml, forms) survives a
 * pack unchanged. Generated parts are written as plain objects (elements in key order, attributes `@_name`,
 * text `#text`) and converted. No XML is concatenated by hand.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { ENGLISH, LANGUAGES, type Bilingual } from './labels.js';

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | number | XmlNode | XmlValue[] | undefined;
/** fast-xml-parser's preserveOrder form: one object per element, `:@` holding its attributes. */
export type Ordered = Array<Record<string, unknown>>;

const options = { ignoreAttributes: false, attributeNamePrefix: '@_', preserveOrder: true } as const;
const builder = new XMLBuilder({ ...options, format: true, indentBy: '  ', suppressEmptyNode: true });
const parser = new XMLParser({ ...options, parseTagValue: false, parseAttributeValue: false, trimValues: true });

export function parseOrdered(text: string): Ordered {
  return (parser.parse(text) as Ordered).filter((node) => !('?xml' in node));
}

/** Converts a plain object into order-preserving nodes (arrays become repeated elements). */
export function ordered(node: XmlNode): Ordered {
  const out: Ordered = [];
  for (const [name, value] of Object.entries(node)) {
    if (name.startsWith('@_') || name === '#text' || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) out.push(element(name, item));
  }
  return out;
}

function element(name: string, value: XmlValue): Record<string, unknown> {
  if (value === undefined) return { [name]: [] };
  if (typeof value === 'string' || typeof value === 'number') return { [name]: value === '' ? [] : [{ '#text': String(value) }] };
  if (Array.isArray(value)) throw new Error(`nested array under <${name}>`);
  const attributes = Object.fromEntries(Object.entries(value).filter(([k]) => k.startsWith('@_')).map(([k, v]) => [k, String(v)]));
  const children: Ordered = value['#text'] !== undefined ? [{ '#text': String(value['#text']) }] : ordered(value);
  return { [name]: children, ...(Object.keys(attributes).length > 0 ? { ':@': attributes } : {}) };
}

/** An element with already-ordered children. */
export function elementOf(name: string, children: Ordered, attributes: Record<string, string> = {}): Record<string, unknown> {
  return { [name]: children, ...(Object.keys(attributes).length > 0 ? { ':@': prefixed(attributes) } : {}) };
}

const prefixed = (attributes: Record<string, string>) => Object.fromEntries(Object.entries(attributes).map(([k, v]) => [`@_${k}`, v]));

/** A UTF-8 XML document with its declaration, laid out as Dataverse and pac write them (`<empty />`). */
export function xmlDocument(root: Ordered): string {
  const body = (builder.build(root) as string).trim().replace(/<([^<>]*[^\s/<>])\/>/g, '<$1 />');
  return `<?xml version="1.0" encoding="utf-8"?>\n${body}\n`;
}

/** The children of the first element with this name among nodes. */
export function childrenOf(nodes: Ordered, name: string): Ordered {
  const found = nodes.find((n) => name in n);
  return (found?.[name] as Ordered | undefined) ?? [];
}

export function attributesOf(node: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries((node[':@'] as Record<string, string> | undefined) ?? {}).map(([k, v]) => [k.slice(2), v]));
}

/** The text of the first element with this name. */
export function textOf(nodes: Ordered, name: string): string | undefined {
  const text = childrenOf(nodes, name).find((n) => '#text' in n);
  return text === undefined ? undefined : String(text['#text']);
}

/** A label element per language, English first, as exports write them. */
const perLanguage = (element: string, text: Bilingual): XmlNode => ({
  [element]: LANGUAGES.map((code) => ({ '@_description': code === ENGLISH ? text.en : text.de, '@_languagecode': code })),
});
export const localizedNames = (text: Bilingual): XmlNode => perLanguage('LocalizedName', text);
export const localizedCollectionNames = (text: Bilingual): XmlNode => perLanguage('LocalizedCollectionName', text);
export const displayNames = (text: Bilingual): XmlNode => perLanguage('displayname', text);
export const descriptions = (text: Bilingual): XmlNode => perLanguage('Description', text);
export const labels = (text: Bilingual): XmlNode => perLanguage('label', text);

/** Dataverse's 0/1 flags. */
export const flag = (on: boolean): string => (on ? '1' : '0');

/** The order exports sort names in (privileges, attributes, relationships): ordinal on the lower-cased text. */
export function compareIgnoringCase(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}
