import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { rowCounts } from "../support/database.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

/** What a delivery for Kiel (organisation unit 9030229, LeiKa 99050012104000) got back. */
export type SendOutcome = { kind: "accepted"; receipt: string } | { kind: "duplicate"; receipt: string } | { kind: "refused"; detail: string };

/**
 * How the suite talks to one intake in its own protocol. Every adapter provides one; the
 * suite is the same for all. A driver checks its protocol's answer (status, fault, feedback
 * code) itself and reduces it to a SendOutcome.
 */
export interface ConformanceDriver {
  name: string;
  /** Options for the hub (e.g. a mapping directory); default the sample config. */
  hubOptions?: Parameters<typeof startTestHub>[0];
  /** Prepares protocol state (servers, certificates) around a started hub. */
  setUp?(hub: TestHub): Promise<void>;
  tearDown?(): Promise<void>;
  /** A valid delivery with the sender's id `id`. */
  send(hub: TestHub, id: string): Promise<SendOutcome>;
  /** A malformed or invalid delivery: the driver asserts the protocol's error and returns "refused". */
  sendBad(hub: TestHub): Promise<SendOutcome>;
  /** A delivery without valid credentials: the driver asserts the protocol's refusal. */
  sendUnauthenticated(hub: TestHub): Promise<SendOutcome>;
  /** Reads the sender's id back from a published CloudEvent. */
  idOf(event: Record<string, any>): string;
}

const KIEL_DMS = ["kiel", "dms"] as const;

/**
 * The conformance suite every adapter passes: accept, duplicate, bad input, auth failure,
 * broker down during intake, restart mid-flight — each against real Postgres and RabbitMQ.
 */
export function conformance(driver: ConformanceDriver): void {
  describe(`${driver.name} conformance`, () => {
    let hub: TestHub;
    let proxy: TcpProxy;
    beforeAll(async () => {
      const real = new URL(inject("amqpUrl"));
      proxy = await TcpProxy.start({ host: real.hostname, port: Number(real.port || 5672) });
      hub = await startTestHub({ ...driver.hubOptions, amqpUrl: proxy.url(inject("amqpUrl")) });
      await hub.services.broker.channel();
      await driver.setUp?.(hub);
    });
    afterAll(async () => {
      await driver.tearDown?.();
      await hub?.stop();
      await proxy?.close();
    });

    /** The messages for `ids` in Kiel's DMS queue, after the relay had time for any repeat. */
    async function delivered(ids: string[], expected = ids.length): Promise<string[]> {
      const queue = hub.queue(...KIEL_DMS);
      const first = await hub.broker.drain(queue, { atLeast: expected, waitMs: expected > 0 ? 20_000 : 0 });
      await new Promise((r) => setTimeout(r, 500));
      const all = [...first, ...(await hub.broker.drain(queue, { waitMs: 0 }))];
      return all
        .map((m) => driver.idOf(m.body))
        .filter((x) => ids.includes(x))
        .sort();
    }

    it("accepts a delivery and publishes it once to the tenant's subscribers", async () => {
      const r = await driver.send(hub, "conf-accept");
      expect(r.kind).toBe("accepted");
      expect(await delivered(["conf-accept"])).toEqual(["conf-accept"]);
    });

    it("answers a repeat as a duplicate of the first and publishes nothing more", async () => {
      const first = await driver.send(hub, "conf-dup");
      expect(first.kind).toBe("accepted");
      expect(await delivered(["conf-dup"])).toEqual(["conf-dup"]);
      const before = await rowCounts(hub.databaseUrl);
      const again = await driver.send(hub, "conf-dup");
      expect(again.kind).toBe("duplicate");
      if (again.kind === "duplicate" && first.kind === "accepted") expect(again.receipt).toBe(first.receipt);
      expect(await rowCounts(hub.databaseUrl)).toEqual(before);
      expect(await delivered(["conf-dup"], 0)).toEqual([]);
    });

    it("refuses bad input with its protocol's error and stores nothing", async () => {
      const before = await rowCounts(hub.databaseUrl);
      expect((await driver.sendBad(hub)).kind).toBe("refused");
      expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    });

    it("refuses a sender without valid credentials and stores nothing", async () => {
      const before = await rowCounts(hub.databaseUrl);
      expect((await driver.sendUnauthenticated(hub)).kind).toBe("refused");
      expect(await rowCounts(hub.databaseUrl)).toEqual(before);
    });

    it("accepts while the broker is down and delivers exactly once when it is back", async () => {
      proxy.cut();
      try {
        for (const id of ["conf-down-1", "conf-down-2"]) expect((await driver.send(hub, id)).kind).toBe("accepted");
        await new Promise((r) => setTimeout(r, 700));
      } finally {
        proxy.restore();
      }
      expect(await delivered(["conf-down-1", "conf-down-2"])).toEqual(["conf-down-1", "conf-down-2"]);
    });

    it("publishes once what was accepted before a restart", async () => {
      await hub.restart({ relay: false });
      expect((await driver.send(hub, "conf-restart")).kind).toBe("accepted");
      await hub.restart();
      expect(await delivered(["conf-restart"])).toEqual(["conf-restart"]);
    });
  });
}
