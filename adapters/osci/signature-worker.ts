import { parentPort } from "node:worker_threads";
import { runCheck, type SignatureTask, type TaskResult } from "./signature.ts";

/** One thread of the signature pool: checks one task at a time and answers with its id. */
parentPort!.on("message", (m: { id: number; task: SignatureTask }) => {
  let result: TaskResult | { error: string };
  try {
    result = runCheck(m.task);
  } catch (err) {
    result = { error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage({ id: m.id, result });
});
