// Key authentication on the scoring route: the keys listKeys returns, and what regenerateKeys does to them (§6).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../support/unique-name.js";
import { sample, servedBy, startScoringWorkspace } from "./scoring-fixture.js";
import type { ScoringWorkspace } from "./scoring-fixture.js";

describe("emulator data plane: key authentication", () => {
  let w: ScoringWorkspace;
  const endpoint = uniqueName("auth");

  beforeAll(async () => {
    w = await startScoringWorkspace();
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 } }, { blue: 100 });
  });
  afterAll(async () => {
    await w.close();
  });

  it("refuses a request without a key with 401", async () => {
    const answer = await w.score(endpoint, sample("typical-patient"), { key: null });

    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ message: expect.stringMatching(/unauthorized/i) as string });
    expect(servedBy(answer)).toBeUndefined();
  });

  it("refuses a wrong key, and another endpoint's key, with 401", async () => {
    const other = uniqueName("auth2");
    await w.createEndpoint(other, { blue: { modelVersion: 1 } }, { blue: 100 });
    const { primaryKey } = await w.keys(endpoint);
    const { primaryKey: otherKey } = await w.keys(other);

    const wrong = await w.score(endpoint, sample("typical-patient"), { key: `${primaryKey.slice(0, -1)}x` });
    const foreign = await w.score(endpoint, sample("typical-patient"), { key: otherKey });
    const notBearer = await w.score(endpoint, sample("typical-patient"), {
      key: null,
      headers: { authorization: primaryKey },
    });

    expect([wrong.status, foreign.status, notBearer.status]).toEqual([401, 401, 401]);
  });

  it("reads the key after 'Bearer' in any letter case and after any run of blanks, and nothing else after it", async () => {
    const { primaryKey } = await w.keys(endpoint);
    const withAuthorization = (authorization: string) =>
      w.score(endpoint, sample("typical-patient"), { key: null, headers: { authorization } });

    const spelled = await Promise.all(
      [`bearer ${primaryKey}`, `BEARER ${primaryKey}`, `Bearer   ${primaryKey}`, `Bearer\t${primaryKey}`].map(
        withAuthorization,
      ),
    );
    const extended = await Promise.all(
      [`Bearer ${primaryKey} x`, `Bearer ${primaryKey}\tx`, `Bearer ${primaryKey}\u00a0`, `Bearer`, `Bearer `].map(
        withAuthorization,
      ),
    );

    expect(spelled.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(extended.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
  });

  it("accepts both the primary and the secondary key", async () => {
    const { primaryKey, secondaryKey } = await w.keys(endpoint);

    const withPrimary = await w.score(endpoint, sample("typical-patient"), { key: primaryKey });
    const withSecondary = await w.score(endpoint, sample("typical-patient"), { key: secondaryKey });

    expect(primaryKey).not.toBe(secondaryKey);
    expect(withPrimary.status).toBe(200);
    expect(withSecondary.status).toBe(200);
    expect(withSecondary.json).toEqual(withPrimary.json);
  });

  it("stops accepting the old primary key once it is regenerated, while the secondary keeps working", async () => {
    const before = await w.keys(endpoint);

    await w.client.onlineEndpoints.beginRegenerateKeysAndWait(
      w.emulator.resourceGroup,
      w.emulator.workspaceName,
      endpoint,
      { keyType: "Primary" },
      { updateIntervalInMs: 10 },
    );
    const after = await w.keys(endpoint);
    const withOldPrimary = await w.score(endpoint, sample("typical-patient"), { key: before.primaryKey });
    const withNewPrimary = await w.score(endpoint, sample("typical-patient"), { key: after.primaryKey });
    const withSecondary = await w.score(endpoint, sample("typical-patient"), { key: before.secondaryKey });

    expect(after.primaryKey).not.toBe(before.primaryKey);
    expect(after.secondaryKey).toBe(before.secondaryKey);
    expect(withOldPrimary.status).toBe(401);
    expect(withNewPrimary.status).toBe(200);
    expect(withSecondary.status).toBe(200);
  });
});
