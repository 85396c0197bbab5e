// The same from CommonJS.
import kraken = require("@kraken/origin");

const { experiments } = kraken.parseKey(kraken.assign({ pageType: "home" }).key);
export const hero: boolean = experiments["hero-banner-v2"] === "control";
// @ts-expect-error: "z" is not a variation of hero-banner-v2.
export const wrong = experiments["hero-banner-v2"] === "z";
