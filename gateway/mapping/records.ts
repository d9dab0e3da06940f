/**
 * One message, several records: an XGewerbeanzeige message with three `satz`, a batch of
 * applications. A mapping names where its records sit (`records: "*.satz"`); each record then
 * becomes its own application, mapped from a document that holds that record alone beside
 * everything the records share (the message header). So a mapping written for a one-record
 * message maps every record unchanged, and no record reaches a tenant with its neighbours in it.
 */
export interface RecordSlice {
  index: number;
  count: number;
  path: string;
  document: unknown;
}

/**
 * Splits a document at a dotted path whose segments are object keys or `*` (the one key of an
 * object, e.g. an XML root whose name varies). `undefined` when the path does not lead to an
 * array of two or more records: the document is then mapped whole, as one application.
 *
 * @example splitRecords({ m: { kopf: 1, satz: [{ a: 1 }, { a: 2 }] } }, "*.satz", true)
 * // [{ index: 0, count: 2, path: "*.satz", document: { m: { kopf: 1, satz: { a: 1 } } } }, ...]
 */
export function splitRecords(document: unknown, path: string, xml: boolean): RecordSlice[] | undefined {
  const keys: string[] = [];
  let node: unknown = document;
  for (const segment of path.split(".")) {
    if (!isObject(node)) return undefined;
    const own = Object.keys(node);
    const key = segment === "*" ? (own.length === 1 ? own[0] : undefined) : segment;
    if (key === undefined || !Object.hasOwn(node, key)) return undefined;
    keys.push(key);
    node = node[key];
  }
  if (!Array.isArray(node) || node.length < 2) return undefined;
  const records = node;
  // XML reads an element that occurs once as an object; a sliced record looks the same, so a
  // mapping sees exactly what a one-record message would give it. JSON keeps its array.
  return records.map((record, index) => ({ index, count: records.length, path, document: replaceAt(document, keys, xml ? record : [record]) }));
}

function replaceAt(node: unknown, keys: string[], value: unknown): unknown {
  if (keys.length === 0) return value;
  const [key, ...rest] = keys as [string, ...string[]];
  const copy: Record<string, unknown> = { ...(node as Record<string, unknown>) };
  copy[key] = replaceAt(copy[key], rest, value);
  return copy;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
