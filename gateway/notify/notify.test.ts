import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { backoffMs } from "./dispatcher.ts";
import { secretKey, webhookHeaders } from "./signature.ts";

describe("webhook signatures", () => {
  const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
  it("are accepted by the Standard Webhooks reference library, and only for the signed bytes", () => {
    const body = JSON.stringify({ id: "n-1", data: { status: "decided", name: "Jürgen Müßig" } });
    const headers = webhookHeaders({ id: "n-1", timestamp: new Date(), body, secret });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });
  it("are refused by the reference library outside the 5-minute tolerance", () => {
    const body = "{}";
    const old = webhookHeaders({ id: "n-2", timestamp: new Date(Date.now() - 6 * 60_000), body, secret });
    expect(() => new Webhook(secret).verify(body, old)).toThrow(/timestamp/i);
    const recent = webhookHeaders({ id: "n-2", timestamp: new Date(Date.now() - 4 * 60_000), body, secret });
    expect(() => new Webhook(secret).verify(body, recent)).not.toThrow();
  });
  it("refuse a secret too short to be one", () => {
    expect(() => secretKey("whsec_c2hvcnQ=")).toThrow(/at least 16 bytes/);
  });
});

describe("retry delays", () => {
  it("double from the initial delay up to the cap, with ±20 % jitter", () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffMs(a, 100, 1000, () => 0.5))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffMs(3, 100, 1000, () => 0)).toBe(320);
    expect(backoffMs(3, 100, 1000, () => 1)).toBe(480);
  });
});
