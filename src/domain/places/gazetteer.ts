import { readFileSync } from "node:fs";
import type { Locale } from "../../i18n";
import type { GeoPoint } from "../users";
import { editDistance, skeleton } from "./skeleton";

/**
 * Kazakhstan's settlements (GeoNames cities500, CC BY 4.0; see README.md beside this file) and its regions, in
 * memory: a typed place name → the places it may mean (any alphabet, small typos), and a point → the nearest
 * settlement (a grid of one-degree cells). Nothing is stored in the database.
 */
export type PlaceKind = "city" | "district" | "town" | "region";

export interface Place {
  id: number;
  nameKk: string;
  nameRu: string;
  nameLatin: string;
  latitude: number;
  longitude: number;
  population: number;
  kind: PlaceKind;
}

type Row = [string, string, string, number, number, number, PlaceKind, string];

/** Words around a name that say what it is ("город", "ауданы", "oblast"…): dropped before matching. */
const KIND_WORDS = new Set(
  [
    "г",
    "гор",
    "город",
    "қ",
    "қала",
    "қаласы",
    "city",
    "town",
    "район",
    "р-н",
    "ауданы",
    "аудан",
    "district",
    "село",
    "с",
    "поселок",
    "посёлок",
    "пос",
    "п",
    "ауыл",
    "ауылы",
    "кент",
    "кенті",
    "village",
    "область",
    "обл",
    "облысы",
    "oblast",
    "oblysy",
    "region",
    "мкр",
    "микрорайон",
  ].map(skeleton),
);

const MAX_CHOICES = 5;
const CELL_DEGREES = 1;

export function placeName(place: Place, locale: Locale): string {
  return locale === "kk" ? place.nameKk : place.nameRu;
}

/** Great-circle distance in meters (the same sphere as earthdistance's). */
export function distanceMeters(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_378_168 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export type PlaceMatch = { kind: "found"; place: Place } | { kind: "choose"; places: Place[] } | { kind: "none" };

export class Gazetteer {
  private readonly byName = new Map<string, Place[]>();
  private readonly keys: string[];
  /** The keys by length, for the fuzzy pass (only lengths within the allowed edits are compared). */
  private readonly keysByLength = new Map<number, string[]>();
  private readonly grid = new Map<string, Place[]>();

  constructor(readonly places: readonly Place[]) {
    for (const place of places) {
      for (const name of [place.nameKk, place.nameRu, place.nameLatin, ...(namesOf.get(place) ?? [])]) {
        // A region's name without "облысы" is its center's name ("Алматы облысы" → Алматы): regions only in full.
        const keys = place.kind === "region" ? [skeleton(name)] : [skeleton(name), strippedSkeleton(name)];
        for (const key of new Set(keys)) {
          if (key.length < 2) continue;
          const list = this.byName.get(key) ?? [];
          if (!list.includes(place)) list.push(place);
          this.byName.set(key, list);
        }
      }
      if (place.kind !== "region") {
        const cell = cellOf(place);
        this.grid.set(cell, [...(this.grid.get(cell) ?? []), place]);
      }
    }
    this.keys = [...this.byName.keys()];
    for (const key of this.keys) this.keysByLength.set(key.length, [...(this.keysByLength.get(key.length) ?? []), key]);
  }

  /** Kazakhstan's places, from the JSON shipped beside this module. */
  static load(): Gazetteer {
    const rows = JSON.parse(readFileSync(new URL("./kz-places.json", import.meta.url), "utf8")) as Row[];
    return new Gazetteer(
      rows.map(([nameKk, nameRu, nameLatin, latitude, longitude, population, kind, others], id) => {
        const place = { id, nameKk, nameRu, nameLatin: nameLatin || nameRu, latitude, longitude, population, kind };
        if (others) namesOf.set(place, others.split("|"));
        return place;
      }),
    );
  }

  byId(id: number): Place | undefined {
    return this.places[id];
  }

  /**
   * What a typed name means: one place, a few to choose from (one name, several villages; or equally close typos),
   * or none. Exact skeletons first, then names starting with what was typed, then up to 1 (short names) or 2 edits.
   */
  find(text: string): PlaceMatch {
    const full = skeleton(text);
    const stripped = strippedSkeleton(text);
    if (stripped.length < 3 || text.length > 80) return { kind: "none" };
    const exact = this.byName.get(full) ?? this.byName.get(stripped) ?? [];
    if (exact.length > 0) return decide(exact);
    const prefixed = unique(
      this.keys.filter((key) => stripped.length >= 4 && key.startsWith(stripped)).flatMap((k) => this.byName.get(k)!),
    );
    if (prefixed.length > 0) return decide(prefixed);
    const max = stripped.length <= 5 ? 1 : 2;
    let best = max + 1;
    let found: Place[] = [];
    const candidates = [];
    for (let length = stripped.length - max; length <= stripped.length + max; length++)
      candidates.push(...(this.keysByLength.get(length) ?? []));
    for (const key of candidates) {
      const d = editDistance(stripped, key, best);
      if (d < best) {
        best = d;
        found = [...this.byName.get(key)!];
      } else if (d === best && d <= max) found.push(...this.byName.get(key)!);
    }
    return best <= max ? decide(unique(found)) : { kind: "none" };
  }

  /** The nearest city (a region's center or the capital) to a point. */
  nearestCity(point: GeoPoint): { place: Place; meters: number } | undefined {
    let best: { place: Place; meters: number } | undefined;
    for (const place of this.places) {
      if (place.kind !== "city") continue;
      const meters = distanceMeters(point, place);
      if (!best || meters < best.meters) best = { place, meters };
    }
    return best;
  }

  /** The settlement nearest to a point, and how far it is; looks in growing rings of grid cells. */
  nearest(point: GeoPoint): { place: Place; meters: number } | undefined {
    const row = Math.floor(point.latitude / CELL_DEGREES);
    const col = Math.floor(point.longitude / CELL_DEGREES);
    let best: { place: Place; meters: number } | undefined;
    for (let ring = 0; ring <= 6; ring++) {
      for (let r = row - ring; r <= row + ring; r++) {
        for (let c = col - ring; c <= col + ring; c++) {
          if (Math.max(Math.abs(r - row), Math.abs(c - col)) !== ring) continue;
          for (const place of this.grid.get(`${r}:${c}`) ?? []) {
            const meters = distanceMeters(point, place);
            if (!best || meters < best.meters) best = { place, meters };
          }
        }
      }
      // A cell is at least ~75 km wide at Kazakhstan's latitudes: what the next ring holds is further than that.
      if (best && best.meters < ring * 75_000) break;
    }
    return best;
  }
}

const namesOf = new WeakMap<Place, string[]>();

function strippedSkeleton(text: string): string {
  const words = text.split(/[\s,.()]+/).filter((w) => w && !KIND_WORDS.has(skeleton(w)));
  return skeleton(words.join(" "));
}

function cellOf(p: GeoPoint): string {
  return `${Math.floor(p.latitude / CELL_DEGREES)}:${Math.floor(p.longitude / CELL_DEGREES)}`;
}

function unique(places: Place[]): Place[] {
  return [...new Set(places)];
}

/** One place, or the biggest few to choose from (a region first: it is what a region's name means). */
function decide(places: Place[]): PlaceMatch {
  if (places.length === 1) return { kind: "found", place: places[0]! };
  const sorted = [...places].sort(
    (a, b) => Number(b.kind === "city") - Number(a.kind === "city") || b.population - a.population,
  );
  return { kind: "choose", places: sorted.slice(0, MAX_CHOICES) };
}

/** Rough borders of Kazakhstan: a box, and no known settlement within 100 km means outside. */
export function isInKazakhstan(gazetteer: Gazetteer, point: GeoPoint): boolean {
  const { latitude: lat, longitude: lon } = point;
  if (lat < 40.5 || lat > 55.5 || lon < 46.5 || lon > 87.5) return false;
  const near = gazetteer.nearest(point);
  return Boolean(near && near.meters <= 100_000);
}
