import { purgeDeliveries } from "../gateway/retention.ts";
import { envSettings } from "../gateway/services.ts";
import { openStore } from "../gateway/store/db.ts";
import { badUsage, isBad, takeFlag, takeOption, unknownOption, type BadUsage } from "./usage.ts";

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
): Promise<number | BadUsage> {
  const args = [...argv];
  const dryRun = takeFlag(args, "--dry-run");
  const given = takeOption(args, "--older-than", "a number of days");
  if (isBad(given)) return given;
  const unknown = unknownOption(args);
  if (unknown) return unknown;
  if (given === undefined) return badUsage("--older-than <days> is needed: the retention period in days");
  const days = Number(given);
  if (given.trim() === "" || !Number.isFinite(days) || days < 0) return badUsage(`--older-than takes a number of days, not "${given}"`);
  if (args.length > 0) return badUsage(`unexpected argument "${args[0]}"`);

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
    // "finished" as in the help: published or cancelled before that time (retention.ts).
    out(`${dryRun ? "would delete" : "deleted"} ${r.deliveries} deliveries finished before ${before.toISOString()} (${mb} MB of attachments)`);
    return 0;
  } finally {
    await store.close();
  }
}
