import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Hono } from "hono";
import { XTA_WSDL } from "./client.ts";

const dir = path.dirname(XTA_WSDL);
const schemas = new Map(
  readdirSync(dir)
    .filter((f) => f.endsWith(".xsd"))
    .map((f) => [f, readFileSync(path.join(dir, f))]),
);
const wsdl = readFileSync(XTA_WSDL, "utf8");
const PORTS = { MsgBoxPort: "msgbox", SendXtaPort: "send", ManagementPort: "management" } as const;

/**
 * Service metadata for portals that build their client from the server: `GET /xta/<port>?wsdl`
 * is the official WSDL with this server's port addresses filled in, and the schemas it imports
 * are served beside it (`/xta/<file>.xsd`), so relative schemaLocations resolve. Public, like
 * any WSDL; nothing here is per account.
 */
export function wsdlRoutes(): Hono {
  const app = new Hono();
  app.get("/xta/:file", (c) => {
    const file = c.req.param("file");
    if (Object.values(PORTS).includes(file as never) && c.req.query("wsdl") !== undefined) {
      const base = new URL(c.req.url).origin;
      let text = wsdl;
      for (const [name, port] of Object.entries(PORTS)) {
        text = text.replace(new RegExp(`(<port name="${name}"[^>]*>\\s*<soap:address location=")REPLACE_WITH_ACTUAL_URL`), `$1${base}/xta/${port}`);
      }
      return c.body(text, 200, { "content-type": "text/xml; charset=utf-8" });
    }
    const schema = schemas.get(file);
    return schema ? c.body(new Uint8Array(schema), 200, { "content-type": "text/xml; charset=utf-8" }) : c.notFound();
  });
  return app;
}
