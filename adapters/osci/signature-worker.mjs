// Entry of the signature checking threads: the TypeScript sources run directly (tsx), as in bin/ozg-hub.mjs.
import { register } from "tsx/esm/api";

register();
await import("./signature-worker.ts");
