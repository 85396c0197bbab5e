// An origin's use of the package, type-checked by kraken/js/test (tsc --noEmit) against the
// declarations generated from config/: the names here are the config's.
import { assign, configDigest, parseKey, type Assignment, type Experiments } from "@kraken/origin";

const answer: Assignment = assign({
  cookie: ["a=b", "kraken_uid=u1"],
  host: "www.example.ie",
  pageType: "home",
  path: "/hotel/42",
  country: new Uint8Array([0x44, 0x45]),
  device: ["mobile"],
});
// @ts-expect-error: the path is a header-like value, not a URL object
assign({ path: new URL("https://example.ie/") });
const { experiments, flags } = parseKey(answer.key);

export const hero: string = experiments["hero-banner-v2"] === "b" ? "new hero" : "classic hero";
export const nav: "off" | "on" | undefined = flags["new-nav"];
export const digest: string = configDigest;
export const variation: Experiments["hero-banner-v2"] = experiments["hero-banner-v2"];

// @ts-expect-error: "z" is not a variation of hero-banner-v2.
export const wrongVariation = experiments["hero-banner-v2"] === "z";
// @ts-expect-error: no experiment of that name in the config.
export const unknownExperiment = experiments["no-such-experiment"];
// @ts-expect-error: "maybe" is not a value of new-nav.
export const wrongValue = flags["new-nav"] === "maybe";
// @ts-expect-error: parsed keys are read-only.
experiments["hero-banner-v2"] = "b";

// GrowthBook's items (SPEC §6), decoded: feature values as JSON.parse gives them.
const { features, experiments: tracked } = parseKey(answer.key).growthbook;
export const columns: 2 | 3 | 4 | null | undefined = features["deals-grid-columns"];
export const photoHero: boolean = features["hero-config"]?.layout === "photo";
export const headline: boolean = tracked["hero-headline-ü-2026"] === "getaway";
// @ts-expect-error: 5 is not a value of deals-grid-columns.
export const wrongFeatureValue = features["deals-grid-columns"] === 5;
// @ts-expect-error: "carousel" is not a variation of that tracking key.
export const wrongTracked = tracked["hero-headline-ü-2026"] === "carousel";
