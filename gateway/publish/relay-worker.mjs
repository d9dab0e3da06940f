// Entry of the relay's worker thread: the TypeScript sources run directly (tsx), as in bin/ozg-hub.mjs.
import { register } from "tsx/esm/api";

register();
await import("./relay-worker.ts");
