import type { X509Certificate } from "node:crypto";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Document, Element } from "@xmldom/xmldom";
import { prepareCheck, verificationOf, type SignatureTask, type TaskResult, type Verification } from "./signature.ts";

type Reply = { id: number; result: TaskResult | { error: string } };
interface Pending {
  resolve(r: TaskResult): void;
  reject(err: Error): void;
}

/**
 * A small pool of threads for XML signature checks. Parsing, canonicalising and digesting a
 * signed message with a hundred attachments takes a noticeable part of a second even when done
 * once per part; on the event loop that time would hold up every other request (health probes,
 * other senders). Threads start on first use and stay, unreferenced while idle.
 */
export class SignaturePool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly queue: { id: number; task: SignatureTask }[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly running = new Map<Worker, number>();
  private next = 0;

  constructor(private readonly size = Math.max(1, Math.min(4, availableParallelism() - 1))) {}

  run(task: SignatureTask): Promise<TaskResult> {
    const id = ++this.next;
    return new Promise<TaskResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queue.push({ id, task });
      this.dispatch();
    });
  }

  /** Ends every thread; tasks still queued or running are rejected. */
  async close(): Promise<void> {
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    for (const p of this.pending.values()) p.reject(new Error("signature pool closed"));
    this.pending.clear();
    this.queue.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.all.size < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const job = this.queue.shift()!;
      this.running.set(worker, job.id);
      worker.ref();
      worker.postMessage(job);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(new URL("./signature-worker.mjs", import.meta.url), { name: "ozg-hub osci signatures" });
    this.all.add(worker);
    // One listener per thread for its whole life, whatever the number of tasks.
    worker.on("message", (m: Reply) => {
      this.running.delete(worker);
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if ("error" in m.result) p?.reject(new Error(`signature check failed: ${m.result.error}`));
      else p?.resolve(m.result);
      if (!this.all.has(worker)) return;
      worker.unref();
      this.idle.push(worker);
      this.dispatch();
    });
    worker.on("error", (err) => this.lost(worker, err));
    worker.on("exit", (code) => this.lost(worker, new Error(`signature thread ended (exit ${code})`)));
    return worker;
  }

  /** A thread that failed or ended: its task is rejected, the others go on; a new thread starts when needed. */
  private lost(worker: Worker, err: Error): void {
    if (!this.all.delete(worker)) return;
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    const id = this.running.get(worker);
    this.running.delete(worker);
    if (id !== undefined) {
      this.pending.get(id)?.reject(err);
      this.pending.delete(id);
    }
    this.dispatch();
  }
}

const shared = new SignaturePool();

/** Lets whatever else waits on the event loop run before the next piece of a long request. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * `verifySignature` with the costly part on the shared pool's threads.
 *
 * @example
 * const v = await verifySignatureOffThread(m.text, m.signature, pinned, (cid) => m.parts.get(cid)?.body);
 * if (!v.ok) return refuse(v.code);
 */
export async function verifySignatureOffThread(
  text: string,
  sig: Element | undefined,
  pinned: X509Certificate[],
  parts: (cid: string) => Buffer | undefined,
  certsIn?: Document,
  anySigner = false,
): Promise<Verification> {
  const prepared = prepareCheck(sig, pinned, parts, certsIn, anySigner);
  if (!prepared.ok) return prepared;
  return verificationOf(prepared, await shared.run({ ...prepared.task, text }));
}
