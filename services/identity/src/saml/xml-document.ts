import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';

// Strict XML reading for credentials. Anything a parser would have to guess at or warn about is
// refused, as are the XML features signed credentials never need and attacks always do: a DOCTYPE
// (entity expansion, external entities), processing instructions, entity references.

export const SAML_ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const ENTITY_REFERENCE_NODE = 5;
const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;
const DOCUMENT_TYPE_NODE = 10;

/** Characters XML 1.0 does not allow in a document (§2.2); xmldom lets some of them through. */
const NOT_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const DECLARED_ENCODING = /\bencoding\s*=\s*["']([^"']*)["']/;

/** XML 1.0 §2.11 line-end handling. xmldom's default also folds U+0085, U+2028 and U+2029 (XML 1.1 rules). */
const xml10LineEndings = (source: string): string => source.replace(/\r\n?/g, '\n');
/** Canonical XML has already normalised its line ends; what remains is content. */
const asIs = (source: string): string => source;

export type Parsed = { readonly ok: true; readonly doc: Document; readonly root: Element } | { readonly ok: false; readonly reason: string };

/**
 * Parses `xml` or says why it is not acceptable. `canonical`: the text is canonical XML produced
 * by the signature check (its line ends are not normalised again). Reasons are our own words: the
 * parser's messages quote the input.
 */
export function parseStrictXml(xml: string, options: { readonly canonical: boolean }): Parsed {
  if (NOT_XML_CHARS.test(xml)) return { ok: false, reason: 'contains characters XML does not allow' };
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return { ok: false, reason: 'has a DOCTYPE or entity declarations' };
  let problems = 0;
  let doc: Document;
  try {
    doc = new DOMParser({ onError: () => void problems++, normalizeLineEndings: options.canonical ? asIs : xml10LineEndings }).parseFromString(xml, 'text/xml');
  } catch {
    return { ok: false, reason: 'is not well-formed XML' };
  }
  if (problems > 0) return { ok: false, reason: 'is not well-formed XML' };
  const refused = refusedNode(doc);
  if (refused) return { ok: false, reason: refused };
  const root = doc.documentElement;
  if (!root) return { ok: false, reason: 'is not well-formed XML' };
  return { ok: true, doc, root };
}

/** Why the document holds a node this reader refuses, or undefined. Iterative: depth is attacker-chosen. */
function refusedNode(doc: Document): string | undefined {
  const pending: Node[] = [];
  for (let child = doc.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === PROCESSING_INSTRUCTION_NODE && child === doc.firstChild && child.nodeName === 'xml') {
      const encoding = DECLARED_ENCODING.exec(child.nodeValue ?? '')?.[1];
      if (encoding !== undefined && encoding.toLowerCase() !== 'utf-8') return 'declares an encoding other than UTF-8';
      continue;
    }
    pending.push(child);
  }
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (node.nodeType === DOCUMENT_TYPE_NODE) return 'has a DOCTYPE';
    if (node.nodeType === ENTITY_REFERENCE_NODE) return 'has entity references';
    if (node.nodeType === PROCESSING_INSTRUCTION_NODE) return 'has processing instructions';
    for (let child = node.firstChild; child; child = child.nextSibling) pending.push(child);
  }
  return undefined;
}

export function isElement(node: Node | null | undefined): node is Element {
  return node?.nodeType === ELEMENT_NODE;
}

export function isNamed(element: Element, namespace: string, localName: string): boolean {
  return element.namespaceURI === namespace && element.localName === localName;
}

/** The element children of `parent`, in document order. */
export function childElements(parent: Node): Element[] {
  const children: Element[] = [];
  for (let child = parent.firstChild; child; child = child.nextSibling) if (isElement(child)) children.push(child);
  return children;
}

export function childrenNamed(parent: Node, namespace: string, localName: string): Element[] {
  return childElements(parent).filter((child) => isNamed(child, namespace, localName));
}

/** Every element in the subtree of `root` (itself included) that satisfies `test`. */
export function elementsWhere(root: Element, test: (element: Element) => boolean): Element[] {
  const found: Element[] = [];
  const pending: Element[] = [root];
  while (pending.length > 0) {
    const element = pending.pop()!;
    if (test(element)) found.push(element);
    pending.push(...childElements(element));
  }
  return found;
}

/** Whether the subtree of `root` holds a comment. */
export function containsComment(root: Node): boolean {
  const pending: Node[] = [root];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (node.nodeType === COMMENT_NODE) return true;
    for (let child = node.firstChild; child; child = child.nextSibling) pending.push(child);
  }
  return false;
}

/** An unqualified attribute (SAML's and XMLDSig's own attributes have no namespace), or undefined. */
export function attribute(element: Element, name: string): string | undefined {
  const node = element.attributes.getNamedItemNS(null, name);
  return node === null ? undefined : node.value;
}

/**
 * The whole text of a simple-content element: every text and CDATA child joined, so a value split
 * into several nodes is read entire. Undefined when the element has element children.
 */
export function simpleText(element: Element): string | undefined {
  let text = '';
  for (let child = element.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === TEXT_NODE || child.nodeType === CDATA_SECTION_NODE) text += child.nodeValue ?? '';
    else if (child.nodeType !== COMMENT_NODE) return undefined;
  }
  return text;
}
