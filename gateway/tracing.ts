import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from "@opentelemetry/api";
import { messageOf } from "./errors.ts";

/**
 * OpenTelemetry tracing: spans from intake through mapping and store to the relay's broker
 * confirm, with the W3C `traceparent` carried in the CloudEvent and the AMQP headers.
 *
 * The SDK is loaded and started only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the OTLP/HTTP
 * exporter reads that and the other OTEL_* variables itself). Without it only
 * `@opentelemetry/api` is loaded, whose tracer is a no-op, and `enabled` stays false so callers
 * skip even building attributes.
 */
let enabled = false;
let provider: { forceFlush(): Promise<void>; shutdown(): Promise<void> } | undefined;
let starting: Promise<void> | undefined;

/** Starts the SDK once per process if an OTLP endpoint is configured; otherwise does nothing. */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return Promise.resolve();
  starting ??= (async () => {
    const [{ NodeTracerProvider }, { BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/sdk-trace-base"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
    ]);
    const p = new NodeTracerProvider({
      resource: resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME ?? "ozg-hub" }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
    });
    p.register(); // AsyncLocalStorage context and the W3C trace-context propagator
    provider = p;
    enabled = true;
  })();
  return starting;
}

/** Whether spans are recorded and exported (the SDK was started). */
export function tracingEnabled(): boolean {
  return enabled;
}

/** Sends the spans still buffered (before a process exits, or when a test wants them now). */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

const tracer = () => trace.getTracer("ozg-hub");

/**
 * Runs `fn` in a new active span (a child of the current one), ending it when `fn` settles;
 * a thrown error is recorded on the span. Without tracing, just runs `fn`.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!enabled) return fn(undefined);
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : new Error(messageOf(err)));
      span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The W3C `traceparent` of the active span, to store with an outbox row; undefined without tracing. */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  if (!enabled) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/**
 * Runs `fn` in the trace a caller sent in its `traceparent` header (REST intake continues the
 * portal's trace). A missing or malformed header leaves the current context as it is.
 */
export function withRemoteParent<T>(traceparent: string | undefined, fn: () => T): T {
  if (!enabled || !traceparent) return fn();
  return context.with(propagation.extract(context.active(), { traceparent }), fn);
}

/**
 * Starts the producer span of one outbox row's publish as a child of the trace stored with the
 * row (the relay may run in another process than the intake). Returns the span and the
 * `traceparent` to put into the AMQP headers, or nothing without tracing.
 */
export function startPublishSpan(storedTraceparent: string | undefined, attributes: Attributes): { span: Span; traceparent: string | undefined } | undefined {
  if (!enabled) return undefined;
  const parent = storedTraceparent ? propagation.extract(ROOT_CONTEXT, { traceparent: storedTraceparent }) : ROOT_CONTEXT;
  const span = tracer().startSpan("ozg-hub.publish", { kind: SpanKind.PRODUCER, attributes }, parent);
  return { span, traceparent: currentTraceparent(trace.setSpan(parent, span)) };
}

/** Ends a publish span with the broker's answer: confirmed, or the refusal/timeout. */
export function endPublishSpan(s: { span: Span } | undefined, err: Error | undefined): void {
  if (!s) return;
  if (err) s.span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  s.span.end();
}
