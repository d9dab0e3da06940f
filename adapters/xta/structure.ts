import type { Element } from "@xmldom/xmldom";
import { NS } from "./ns.ts";

/** Elements the XTA/OSCI/WS-Addressing schemas let repeat under one parent; every other one occurs at most once. */
const REPEATABLE = new Set([
  `${NS.xta} Attachment`,
  `${NS.xta} LookupServiceRequestList`,
  `${NS.xta} LookupServiceResult`,
  `${NS.osci} LastMsgReceived`,
  `${NS.wsa} MessageID`, // only in osci:MsgSelector
  `${NS.wsa} RelatesTo`,
  `${NS.oscimeta} Property`,
  `${NS.oscimeta} SecurityToken`,
  `${NS.oscimeta} OtherReaders`,
  `${NS.oscimeta} CcReaders`,
  `${NS.oscimeta} In-Reply-To`,
]);

const KNOWN = new Set<string>([NS.s12, NS.wsa, NS.xta, NS.oscimeta, NS.osci]);

/**
 * Refuses ambiguous or unbounded envelopes before any operation reads them: nesting deeper
 * than `maxDepth`, a SOAP Header block or Body element given twice, and any element of the
 * XTA, OSCI or WS-Addressing vocabularies repeated where its schema allows one (which of two
 * Messages or two MessageMetaData would count?). Elements of other vocabularies (a foreign
 * header block) are only bounded in depth.
 * Iterative, so that a deep document cannot exhaust the stack.
 */
export function structureProblem(envelope: Element, maxDepth: number): string | undefined {
  const stack: { el: Element; depth: number }[] = [{ el: envelope, depth: 1 }];
  while (stack.length > 0) {
    const { el, depth } = stack.pop()!;
    if (depth > maxDepth) return `elements nest deeper than ${maxDepth}`;
    const ns = el.namespaceURI ?? "";
    const checked = KNOWN.has(ns);
    const inHeader = ns === NS.s12 && el.localName === "Header";
    const seen = new Set<string>();
    let elements = 0;
    for (let n = el.firstChild; n; n = n.nextSibling) {
      if (n.nodeType !== 1) continue;
      const c = n as Element;
      elements++;
      const key = `${c.namespaceURI ?? ""} ${c.localName}`;
      const repeatable = REPEATABLE.has(key) && (key !== `${NS.wsa} MessageID` || el.localName === "MsgSelector");
      if (checked && seen.has(key) && (inHeader || !repeatable)) return `${c.localName} occurs more than once in ${el.localName}`;
      seen.add(key);
      stack.push({ el: c, depth: depth + 1 });
    }
    if (ns === NS.s12 && el.localName === "Body" && elements > 1) return "the SOAP Body holds more than one element";
  }
  return undefined;
}
