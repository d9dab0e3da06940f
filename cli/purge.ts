import { purgeDeliveries } from "../gateway/retention.ts";
import { envSettings } from "../gateway/services.ts";
import { openStore } from "../gateway/store/db.ts";

export const PURGE_USAGE = `  purge --older-than <days> [--dry-run]
                   delete published and cancelled deliveries finished more than <days> ago, with
                   their applications, attachments, outbox rows and timelines (never parked or
                   routed ones); --dry-run only counts`;

/** `ozg-hub purge ...`, e.g. daily from cron with the retention period of the municipality. */
export async function purgeCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out = console.log,
  now = () => new Date(),
  progress = console.error,
): Promise<number | undefined> {
  const args = [...argv];
  const dryRun = args.includes("--dry-run");
  if (dryRun) args.splice(args.indexOf("--dry-run"), 1);
  const i = args.indexOf("--older-than");
  const days = i >= 0 ? Number(args[i + 1]) : NaN;
  if (i < 0 || !Number.isFinite(days) || days < 0 || args.length !== 2) return undefined;

  const before = new Date(now().getTime() - days * 86_400_000);
  const store = openStore(envSettings(env).databaseUrl, { max: 1 });
  try {
    // Progress goes to stderr, one line per committed batch, so the summary on stdout stays one line.
    const r = await purgeDeliveries(store, {
      before,
      dryRun,
      onBatch: (t) => progress(`purged ${t.deliveries} so far (${(t.attachmentBytes / 1e6).toFixed(1)} MB)`),
    });
    const mb = (r.attachmentBytes / 1e6).toFixed(1);
    out(`${dryRun ? "would delete" : "deleted"} ${r.deliveries} finished deliveries received before ${before.toISOString()} (${mb} MB of attachments)`);
    return 0;
  } finally {
    await store.close();
  }
}
