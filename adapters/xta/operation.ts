import type { AdapterContext } from "../../gateway/index.ts";
import type { XtaAccount, XtaSettings } from "./auth.ts";
import type { SoapRequest } from "./envelope.ts";
import type { XtaFault } from "./faults.ts";

/** What every operation handler gets. */
export interface OperationContext {
  ctx: AdapterContext;
  /** The settings of the config in force when the request came in. */
  settings: XtaSettings;
  req: SoapRequest;
  account: XtaAccount;
}

/** An operation's answer: the extra SOAP headers and the body of the reply, or a fault. */
export type OperationResult = { ok: true; headers?: string; body?: string } | { ok: false; fault: XtaFault };

export type OperationHandler = (o: OperationContext) => Promise<OperationResult>;

export const refuse = (fault: XtaFault): OperationResult => ({ ok: false, fault });
