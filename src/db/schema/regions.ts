import { doublePrecision, integer, pgTable, text } from "drizzle-orm/pg-core";

/** The 20 top-level units of Kazakhstan, seeded by a migration from shared/data/regions.json. */
export const regions = pgTable("regions", {
  code: text("code").primaryKey(),
  nameKk: text("name_kk").notNull(),
  nameRu: text("name_ru").notNull(),
  centerKk: text("center_kk").notNull(),
  centerRu: text("center_ru").notNull(),
  latitude: doublePrecision("latitude").notNull(),
  longitude: doublePrecision("longitude").notNull(),
  position: integer("position").notNull(),
});
