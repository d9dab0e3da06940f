import type { Element } from "@xmldom/xmldom";
import { NS } from "./ns.ts";
import { child, path, text } from "./xml.ts";

export interface XtaMeta {
  messageId: string;
  author: string;
  reader: string;
  service: string;
  businessScenario: string;
  messageType: string;
}

/** The XTA MessageMetaData header an OSCI 1.2 message may carry (offered to mappings as `$meta.xta`). */
export function readXtaMeta(mmd: Element | undefined): XtaMeta | undefined {
  if (!mmd) return undefined;
  const M = NS.oscimeta;
  const qualifier = child(mmd, M, "Qualifier");
  const scenario = child(qualifier, M, "BusinessScenario");
  const meta = {
    messageId: text(path(mmd, [M, "MsgIdentification"], [NS.wsa, "MessageID"])) ?? "",
    author: text(path(mmd, [M, "Originators"], [M, "Author"], [M, "Identifier"])) ?? "",
    reader: text(path(mmd, [M, "Destinations"], [M, "Reader"], [M, "Identifier"])) ?? "",
    service: text(child(qualifier, M, "Service")) ?? "",
    businessScenario: text(path(scenario, [M, "Defined"], ["", "code"])) ?? text(child(scenario, M, "Undefined")) ?? "",
    messageType: text(path(qualifier, [M, "MessageType"], ["", "code"])) ?? "",
  };
  return meta.reader ? meta : undefined;
}
