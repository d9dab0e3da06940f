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
