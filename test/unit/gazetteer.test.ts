import { describe, expect, it } from "vitest";
import { isInKazakhstan, kzPlaces, type PlaceMatch } from "../../src/domain/places";
import { editDistance, skeleton } from "../../src/domain/places/skeleton";

const found = (match: PlaceMatch) => (match.kind === "found" ? match.place.nameRu : match.kind);

describe("place names: one skeleton for Kazakh, Russian and Latin spellings", () => {
  it("folds the three alphabets together", () => {
    expect(skeleton("Талдықорған")).toBe("taldikorgan");
    expect(skeleton("Талдыкорган")).toBe("taldikorgan");
    expect(skeleton("Taldykorgan")).toBe("taldikorgan");
    expect(skeleton("Taldıqorğan")).toBe("taldikorgan");
    expect(skeleton("Өскемен")).toBe(skeleton("Oskemen"));
    expect(skeleton("Жетісу")).toBe(skeleton("Zhetysu"));
    expect(skeleton("Усть-Каменогорск")).toBe("ustkamenogorsk");
  });

  it("measures small edit distances and gives up beyond the limit", () => {
    expect(editDistance("taldikorgan", "taldikorgn", 2)).toBe(1);
    expect(editDistance("taldikorgan", "taldikargan", 2)).toBe(1);
    expect(editDistance("almati", "taldikorgan", 2)).toBe(3);
  });
});

describe("the Kazakhstan gazetteer", () => {
  const places = kzPlaces();

  it("finds a town typed in any alphabet, with a typo, with 'город' or 'г.'", () => {
    for (const typed of ["Талдықорған", "Талдыкорган", "Taldykorgan", "Талдыкоргн", "г. Талдыкорган", "Taldikorgan"])
      expect(found(places.find(typed)), typed).toBe("Талдыкорган");
    expect(found(places.find("Өскемен"))).toBe("Усть-Каменогорск");
    expect(found(places.find("Капшагай"))).toBe("Конаев"); // a former name
    expect(found(places.find("Нур-Султан"))).toBe("Астана");
    expect(found(places.find("Алматы"))).toBe("Алматы");
  });

  it("knows the regions by their full names", () => {
    expect(found(places.find("Алматы облысы"))).toBe("Алматинская область");
    expect(found(places.find("Алматинская область"))).toBe("Алматинская область");
  });

  it("offers a choice when a name fits several places, and nothing for nonsense", () => {
    const match = places.find("Акколь");
    expect(match.kind).toBe("choose");
    if (match.kind === "choose") expect(match.places.length).toBeGreaterThan(1);
    expect(places.find("Qwertyuiop").kind).toBe("none");
    expect(places.find("a").kind).toBe("none");
    expect(places.find("x".repeat(200)).kind).toBe("none");
  });

  it("gives Kazakh and Russian names", () => {
    const match = places.find("Taldykorgan");
    expect(match.kind === "found" && [match.place.nameKk, match.place.nameRu]).toEqual(["Талдықорған", "Талдыкорган"]);
  });

  it("finds the nearest settlement and tells Kazakhstan from elsewhere", () => {
    expect(places.nearest({ latitude: 43.24, longitude: 76.92 })!.place.nameRu).toBe("Алматы");
    expect(places.nearest({ latitude: 45.03, longitude: 78.37 })!.place.nameRu).toBe("Талдыкорган");
    expect(isInKazakhstan(places, { latitude: 43.24, longitude: 76.92 })).toBe(true);
    expect(isInKazakhstan(places, { latitude: 55.75, longitude: 37.62 })).toBe(false); // Moscow
    expect(isInKazakhstan(places, { latitude: 39.9, longitude: 116.4 })).toBe(false); // Beijing
  });
});
