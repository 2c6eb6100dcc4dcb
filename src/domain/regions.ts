import { asc } from "drizzle-orm";
import type { Database } from "../db/client";
import { regions } from "../db/schema";

export type Region = typeof regions.$inferSelect;

/** The regions never change at run time (a migration seeds them), so one read serves the process. */
export class RegionDirectory {
  private constructor(readonly all: readonly Region[]) {}

  static async load(db: Database): Promise<RegionDirectory> {
    return new RegionDirectory(await db.select().from(regions).orderBy(asc(regions.position)));
  }

  get(code: string | null | undefined): Region | undefined {
    return code ? this.all.find((r) => r.code === code) : undefined;
  }

  name(region: Region, locale: "kk" | "ru"): string {
    return locale === "kk" ? region.nameKk : region.nameRu;
  }
}
