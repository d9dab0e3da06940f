/**
 * Attribution of a `serve` process's CPU profile (one .cpuprofile per thread) to the stages of
 * one REST delivery: each sample goes to the stage of the innermost frame on its stack that
 * says something about the stage. The database driver and Node's own modules only say so when
 * nothing further up the stack does: a query built inside the relay's `claim` is the claim's
 * cost, a result parsed on a socket callback (no caller on the stack) is the driver's cost of
 * its thread (main: the intake's write; relay: claim and mark, which the profile cannot split),
 * and Node's HTTP modules on a stack without a handler (header parsing) are the HTTP stage's.
 */
export const STAGES = [
  "HTTP + body",
  "auth",
  "parse",
  "map",
  "validate",
  "serialise",
  "write",
  "relay claim",
  "relay claim + mark (driver, async)",
  "publish",
  "mark",
  "relay thread messaging",
  "metrics/logs/tracing",
  "GC",
  "runtime, node internals, other",
] as const;
export type Stage = (typeof STAGES)[number];

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A source path relative to the repository, `~/<package>/...` for node_modules. */
export function sourceOf(url: string, repo: string): string {
  return url.replace(`file://${repo}/`, "").replace(/^.*node_modules\//, "~/");
}

const PACKAGE_STAGE: [RegExp, Stage][] = [
  [/^~\/(hono|@hono)\//, "HTTP + body"],
  [/^~\/zod\//, "validate"],
  [/^~\/(ajv|ajv-formats)\//, "validate"],
  [/^~\/(jsonata|fast-xml-parser|@xmldom|xpath)\//, "map"],
  [/^~\/(amqplib|amqp-connection-manager|bitsyntax|buffer-more-ints)\//, "publish"],
  [/^~\/(pino|pino-std-serializers|sonic-boom|thread-stream|prom-client|@opentelemetry|tdigest|bintrees)\//, "metrics/logs/tracing"],
  [/^~\/drizzle-orm\//, "write"],
];

const PROJECT_STAGE: [RegExp, Stage][] = [
  [/^gateway\/(http|port)\/|^adapters\/rest\/(applications|intake-body|answers|receipt|index)\.ts$/, "HTTP + body"],
  [/^gateway\/auth\/|^adapters\/rest\/auth\.ts$/, "auth"],
  [/^adapters\/rest\/submission\.ts$/, "parse"],
  [/^gateway\/mapping\/validate\.ts$|^gateway\/mapping\/canonical\.ts$/, "validate"],
  [/^gateway\/outbox\/cloudevent\.ts$/, "serialise"],
  [/^gateway\/(mapping|routing)\/|^gateway\/dom\.ts$|^gateway\/intake\/interpret\.ts$/, "map"],
  [/^gateway\/(intake|outbox|store)\//, "write"],
  [/^gateway\/publish\/(relay-thread|relay-worker|relay-messages)\.|^gateway\/publish\/backlog\.ts$/, "relay thread messaging"],
  [/^gateway\/publish\/(broker|topology)\.ts$/, "publish"],
  [/^gateway\/(metrics|logger|tracing)\.ts$/, "metrics/logs/tracing"],
];

/** Functions whose file alone does not tell the stage. */
const FUNCTION_STAGE: [RegExp, RegExp, Stage][] = [
  [/^gateway\/publish\/relay\.ts$/, /^claim$/, "relay claim"],
  [/^gateway\/publish\/relay\.ts$/, /^(markPublished|markFailed|settle|sweep)$/, "mark"],
  [/^gateway\/publish\/relay\.ts$/, /^publishAll$/, "publish"],
  [/^gateway\/mapping\/engine\.ts$/, /^parseDocument$/, "parse"],
];

function frameStage(file: string, fn: string): Stage | undefined {
  for (const [f, name, stage] of FUNCTION_STAGE) if (f.test(file) && name.test(fn)) return stage;
  for (const [f, stage] of PACKAGE_STAGE) if (f.test(file)) return stage;
  for (const [f, stage] of PROJECT_STAGE) if (f.test(file)) return stage;
  return undefined;
}

export interface Attribution {
  /** Sampled µs per stage. */
  us: Map<Stage, number>;
  /** Per stage, the frames (function file:line) that carried its samples, for auditing the rules. */
  frames: Map<Stage, Map<string, number>>;
}

/**
 * Adds the samples of `p` taken between `from` and `to` (µs of the monotonic clock that
 * process.hrtime uses, the profiler's clock) to `into`, by stage. Idle samples are left out.
 */
export function attribute(p: Profile, repo: string, thread: "main" | "relay", from: number, to: number, into: Attribution): void {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map<number, { stage: Stage; frame: string }>();
  const classify = (leaf: number) => {
    const known = stageOf.get(leaf);
    if (known) return known;
    const lf = byId.get(leaf)!.callFrame;
    const frame = `${lf.functionName || "(anonymous)"} ${sourceOf(lf.url, repo) || "(native)"}:${lf.lineNumber + 1}`;
    let stage: Stage | undefined;
    let driver = false;
    let http = false;
    for (let id: number | undefined = leaf; id !== undefined && !stage; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      const file = sourceOf(f.url, repo);
      if (f.functionName === "(garbage collector)") stage = "GC";
      else if (/^~\/postgres\//.test(file)) driver = true;
      else if (/^node:_http_/.test(file)) http = true;
      else stage = frameStage(file, f.functionName);
    }
    stage ??= driver ? (thread === "main" ? "write" : "relay claim + mark (driver, async)") : http ? "HTTP + body" : "runtime, node internals, other";
    const out = { stage, frame };
    stageOf.set(leaf, out);
    return out;
  };
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (t < from || t > to) return;
    if (byId.get(id)!.callFrame.functionName === "(idle)") return;
    const { stage, frame } = classify(id);
    into.us.set(stage, (into.us.get(stage) ?? 0) + dt);
    const frames = into.frames.get(stage) ?? new Map<string, number>();
    frames.set(frame, (frames.get(frame) ?? 0) + dt);
    into.frames.set(stage, frames);
  });
}
