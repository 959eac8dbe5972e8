/**
 * The videoxapi plugin as an ES module: `import {track} from "/static/videoxapi.mjs"`.
 *
 * One implementation only: this imports the classic script (which puts `videoxapi` on
 * the global object, whatever way it is loaded) and re-exports it, so a page may mix a
 * <script> tag and module imports without two copies of the plugin's state.
 */
import "./videoxapi.js";

const videoxapi = globalThis.videoxapi;

export const track = videoxapi.track;
export const adapters = videoxapi.adapters;
export const version = videoxapi.version;
export default videoxapi;
