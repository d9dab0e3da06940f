/** Namespaces and WS-Addressing actions of XTA 2 (V3, 2.1.1), as the official WSDL names them. */
export const NS = {
  s12: "http://www.w3.org/2003/05/soap-envelope",
  s11: "http://schemas.xmlsoap.org/soap/envelope/",
  wsa: "http://www.w3.org/2005/08/addressing",
  xta: "http://xoev.de/transport/xta/211",
  oscimeta: "http://www.osci.eu/ws/2014/10/transport",
  osci: "http://www.osci.eu/ws/2008/05/transport",
  xop: "http://www.w3.org/2004/08/xop/include",
  xml: "http://www.w3.org/XML/1998/namespace",
} as const;

const MSGBOX = "http://www.osci.eu/ws/2008/05/transport/urn/messageTypes";

/** Every operation with its wsam:Action and the port that serves it. */
export const OPERATIONS = {
  checkAccountActive: { port: "management", action: "http://www.xta.de/XTA/CheckAccountActive" },
  createMessageId: { port: "management", action: "http://www.xta.de/XTA/CreateMessageID" },
  getTransportReport: { port: "management", action: "http://www.xta.de/XTA/GetTransportReport" },
  lookupService: { port: "management", action: "http://www.xta.de/XTA/IsServiceAvailable" },
  cancelMessage: { port: "management", action: "http://www.xta.de/XTA/CancelMessage" },
  sendMessage: { port: "send", action: "http://www.xta.de/XTA/SendMessage" },
  sendMessageSync: { port: "send", action: "http://www.xta.de/XTA/SendMessageSync" },
  getStatusList: { port: "msgbox", action: `${MSGBOX}/MsgBoxStatusListRequest` },
  getMessage: { port: "msgbox", action: `${MSGBOX}/MsgBoxFetchRequest` },
  getNextMessage: { port: "msgbox", action: `${MSGBOX}/MsgBoxGetNextMsgRequest` },
  getNextStatusList: { port: "msgbox", action: `${MSGBOX}/MsgBoxGetNextListRequest` },
  close: { port: "msgbox", action: `${MSGBOX}/MsgBoxCloseRequest` },
} as const;

export type Operation = keyof typeof OPERATIONS;
export type Port = (typeof OPERATIONS)[Operation]["port"];

const byAction = new Map<string, Operation>(Object.entries(OPERATIONS).map(([op, o]) => [o.action, op as Operation]));

export function operationOf(action: string): Operation | undefined {
  return byAction.get(action.trim());
}

/** The WS-Addressing action of faults that have no operation (e.g. the action itself is unknown). */
export const WSA_FAULT_ACTION = "http://www.w3.org/2005/08/addressing/soap/fault";
