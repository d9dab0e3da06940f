import { TOKENS } from "../test/support/config.ts";
import { sendMessageEnvelope, xdomeaApplication, xtaHeaders } from "./xta.ts";

/** One application the load generator sent, and what it expects of routing. */
export interface Sent {
  sourceId: string;
  channel: "rest" | "xta";
  tenant: string;
  /** Queues (tenant.subscriber) that must receive it, exactly. */
  expect: string[];
  /** When a 2xx came back, else undefined (the sender would try again later). */
  acceptedAt?: number;
  attempts: number;
  lastStatus: string;
}

const GEWERBE = "99050012104000"; // trade registration: the tenant's gewerbe and dms systems
const OTHER = "99123456760000"; // any other service: only the dms system
const AGS = { kiel: "01002000", augsburg: "09761000" } as const;

/** One request of an application, ready to send to any instance. */
interface Attempt {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** 2xx, or XTA's "MessageID already used" (9024) for a retry after an earlier attempt committed. */
  accepted(status: number, body: string): boolean;
}
/**
 * A steady stream of uniquely numbered applications: canonical JSON over REST, and every
 * `xtaEvery`-th one an xdomea Geschäftsgang via XTA sendMessage. Number n goes to Kiel or
 * Augsburg and is a trade registration or not, so that every routing path is in use.
 * A request that fails (connection refused, 5xx while a dependency is down) is sent again with
 * the same Idempotency-Key, as a portal would, up to `retries` times; a retry that lands after
 * an earlier attempt did commit gets the first receipt, not a second delivery.
 */
export class Load {
  readonly sent: Sent[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private inFlight = new Set<Promise<void>>();
  private next = 0;

  constructor(
    private readonly o: {
      tag: string;
      /** Instance URLs; the generator spreads requests and skips to the next on failure. */
      urls: () => string[];
      queue: (tenant: string, subscriber: string) => string;
      ratePerSecond: number;
      maxInFlight?: number;
      retries?: number;
      /** Every n-th application goes via XTA; 0: none. */
      xtaEvery?: number;
    },
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops sending new applications and waits for the ones in flight (with their retries). */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all([...this.inFlight]);
  }

  private async run(): Promise<void> {
    const interval = 1000 / this.o.ratePerSecond;
    let due = Date.now();
    while (this.running) {
      if (this.inFlight.size < (this.o.maxInFlight ?? 32)) {
        const p = this.send(this.next++).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
      due += interval;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    }
  }

  private async send(n: number): Promise<void> {
    const tenant = n % 2 === 0 ? "kiel" : "augsburg";
    const trade = n % 3 !== 2;
    const xta = (this.o.xtaEvery ?? 0) > 0 && n % this.o.xtaEvery! === 0;
    const s: Sent = {
      sourceId: `${this.o.tag}-${String(n).padStart(6, "0")}`,
      channel: xta ? "xta" : "rest",
      tenant,
      expect: trade ? [this.o.queue(tenant, "gewerbe"), this.o.queue(tenant, "dms")] : [this.o.queue(tenant, "dms")],
      attempts: 0,
      lastStatus: "",
    };
    this.sent.push(s);
    const leikaKey = trade ? GEWERBE : OTHER;
    const request: Attempt = xta
      ? {
          path: "/xta/send",
          headers: xtaHeaders(),
          body: sendMessageEnvelope({
            messageId: `urn:de:xta:messageid:chaos:${s.sourceId}`,
            reader: `ags:${AGS[tenant]}`,
            document: new TextEncoder().encode(xdomeaApplication({ id: s.sourceId, leikaKey, name: `Test, Chaos ${n}` })),
          }),
          accepted: (status, body) => status === 200 || (status === 400 && body.includes("<code>9024</code>")),
        }
      : {
          path: "/api/v1/applications",
          headers: { authorization: `Bearer ${TOKENS.formsolutions}`, "content-type": "application/json", "idempotency-key": s.sourceId },
          body: JSON.stringify({
            sourceId: s.sourceId,
            service: { leikaKeys: [leikaKey], name: trade ? "Gewerbeanmeldung" : "Sonstiges" },
            recipient: { ags: AGS[tenant] },
            applicant: { kind: "person", name: `Chaos Test ${n}`, givenName: "Chaos", familyName: `Test ${n}` },
            data: { number: n, note: "x".repeat(512) },
          }),
          accepted: (status) => status >= 200 && status < 300,
        };
    const retries = this.o.retries ?? 40;
    for (let attempt = 0; attempt <= retries; attempt++) {
      const urls = this.o.urls();
      const url = urls[(n + attempt) % urls.length]!;
      s.attempts++;
      try {
        const res = await fetch(`${url}${request.path}`, { method: "POST", headers: request.headers, body: request.body, signal: AbortSignal.timeout(10_000) });
        s.lastStatus = String(res.status);
        const text = await res.text();
        if (request.accepted(res.status, text)) {
          s.acceptedAt = Date.now();
          return;
        }
        if (res.status < 500) return; // a refusal is final; it would be a bug here, reported as not accepted
      } catch (err) {
        s.lastStatus = err instanceof Error && err.name === "TimeoutError" ? "timeout" : "connection failed";
      }
      // Back off a little; the fault is usually gone within seconds.
      await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** Math.min(attempt, 4))));
    }
  }
}
