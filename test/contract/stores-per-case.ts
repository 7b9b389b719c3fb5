import { afterEach, beforeEach } from "vitest";
import type { GreenLightStore } from "../../src/store/open-store.js";
import type { StoreDatabase } from "./store.contract.js";

/** The stores a case opened on its own fresh database: `open` another (a second bot instance), `close` one early. */
export interface CaseStores {
  open: () => Promise<GreenLightStore>;
  close: (opened: GreenLightStore) => Promise<void>;
}

/**
 * Gives every case of the enclosing describe a fresh database and a store opened on it (passed to `opened`), and
 * afterwards closes every store the case opened and throws the database away.
 */
export function storesPerCase(
  newDatabase: () => Promise<StoreDatabase>,
  opened: (store: GreenLightStore) => void,
): CaseStores {
  let database: StoreDatabase | undefined;
  const openStores = new Set<GreenLightStore>();
  const stores: CaseStores = {
    open: async () => {
      if (!database) throw new Error("a store opens only inside a case");
      const store = await database.open();
      openStores.add(store);
      return store;
    },
    close: async (store) => {
      openStores.delete(store);
      await store.close();
    },
  };
  beforeEach(async () => {
    database = await newDatabase();
    opened(await stores.open());
  });
  afterEach(async () => {
    await Promise.all([...openStores].map((store) => stores.close(store)));
    await database?.dispose();
    database = undefined;
  });
  return stores;
}
