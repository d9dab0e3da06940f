import { messageOf } from "../gateway/errors.ts";
import { withoutPassword } from "../gateway/logger.ts";
import { envSettings } from "../gateway/services.ts";
import { migrateStore, openStore } from "../gateway/store/db.ts";

export async function migrateCommand(): Promise<number> {
  const { databaseUrl } = envSettings();
  const store = openStore(databaseUrl, { max: 1 });
  try {
    await migrateStore(store);
    console.log(`migrated ${withoutPassword(databaseUrl)}`);
    return 0;
  } catch (err) {
    console.error(`migration failed: ${messageOf(err)}`);
    return 1;
  } finally {
    await store.close();
  }
}
