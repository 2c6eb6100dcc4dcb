import { Gazetteer } from "./gazetteer";

export { distanceMeters, Gazetteer, isInKazakhstan, type Place, type PlaceMatch, placeName } from "./gazetteer";

let loaded: Gazetteer | undefined;

/** Kazakhstan's gazetteer, read once per process (about 320 places, well under a megabyte in memory). */
export function kzPlaces(): Gazetteer {
  loaded ??= Gazetteer.load();
  return loaded;
}
