// The ES module face of index.cjs (one instance of the wasm whichever way it is loaded).
import kraken from "./index.cjs";

export const { assign, parseKey, configDigest } = kraken;
