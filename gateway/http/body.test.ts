import http from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { readBody } from "./body.ts";

/** A request whose body arrives in the given pieces, with an optional Content-Length header. */
function request(pieces: string[], contentLength?: number): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of pieces) controller.enqueue(new TextEncoder().encode(p));
      controller.close();
    },
  });
  const headers = contentLength === undefined ? undefined : { "content-length": String(contentLength) };
  return new Request("http://hub.test/", { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

describe("readBody", () => {
  it("reads a body with and without a Content-Length", async () => {
    expect((await readBody(request(["<a>", "bc", "</a>"], 9), 100)).toString()).toBe("<a>bc</a>");
    expect((await readBody(request(["<a>", "bc", "</a>"]), 100)).toString()).toBe("<a>bc</a>");
  });

  it("reads what arrives when it differs from the declared length", async () => {
    expect((await readBody(request(["abc", "defg"], 5), 100)).toString()).toBe("abcdefg");
    expect((await readBody(request(["abc"], 8), 100)).toString()).toBe("abc");
  });

  it("refuses a declared or an actual size over the limit", async () => {
    expect(await readBody(request(["abc"], 11), 10)).toBe("too_large");
    expect(await readBody(request(["abcdef", "ghijkl"]), 10)).toBe("too_large");
    expect(await readBody(request(["abcdef", "ghijkl"], 4), 10)).toBe("too_large");
  });
});

describe("readBody behind @hono/node-server", () => {
  /** POSTs `pieces` (chunked unless `length` is given) to a server that answers with what readBody read. */
  async function roundTrip(pieces: string[], limit: number, length?: number): Promise<string> {
    const app = new Hono().post("/", async (c) => {
      const body = await readBody(c.req.raw, limit);
      return c.text(body === "too_large" ? "too_large" : `read:${body.toString()}`);
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as http.Server;
    await new Promise((r) => server.once("listening", r));
    try {
      return await new Promise<string>((resolve, reject) => {
        const headers: Record<string, string> = length === undefined ? {} : { "content-length": String(length) };
        const req = http.request({ port: (server.address() as AddressInfo).port, host: "127.0.0.1", method: "POST", headers }, (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => resolve(text));
        });
        req.on("error", reject);
        for (const p of pieces) req.write(p);
        req.end();
      });
    } finally {
      server.close();
    }
  }

  it("reads a body with a Content-Length whole and one without piece by piece, each within the limit", async () => {
    expect(await roundTrip(["<a>", "bc", "</a>"], 100, 9)).toBe("read:<a>bc</a>");
    expect(await roundTrip(["<a>", "bc", "</a>"], 100)).toBe("read:<a>bc</a>");
    expect(await roundTrip(["abcdef", "ghijkl"], 10, 12)).toBe("too_large");
    expect(await roundTrip(["abcdef", "ghijkl"], 10)).toBe("too_large");
  });
});
