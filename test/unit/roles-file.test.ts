import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRoleBook } from "../../src/roles-file.js";

describe("the roles file", () => {
  let dir: string;
  const file = async (users: object[]): Promise<string> => {
    const path = join(dir, `roles-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(path, JSON.stringify({ defaultRoles: ["viewer"], users }));
    return path;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "greenlight-roles-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("refuses a file that lists the same person twice, naming both entries", async () => {
    const path = await file([
      { user: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e01", roles: ["operator"] },
      { user: "megan@contoso.example", roles: ["approver"] },
      { user: "8F6C4A52-0B1E-4C3D-9A7E-1A2B3C4D5E01", roles: ["admin"] },
    ]);
    expect(() => loadRoleBook(path)).toThrow(
      /lists 8F6C4A52-0B1E-4C3D-9A7E-1A2B3C4D5E01 twice \(users\.0 and users\.2\)/,
    );
  });

  it("takes one entry by object id and one by UPN, whose roles add up for the person both name", async () => {
    const path = await file([
      { user: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e01", roles: ["operator"] },
      { user: "alex@contoso.example", roles: ["admin"] },
    ]);
    const book = loadRoleBook(path);
    expect(
      book.rolesOf({
        id: "x",
        name: "Alex",
        aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e01",
        upn: "alex@contoso.example",
      }),
    ).toEqual(["operator", "admin"]);
  });
});
