/**
 * The dashboard's files: its page, script and style beside this module, and uPlot's
 * script and style from the pinned npm package (served locally, no CDN).
 *
 * @module
 */

/** A file the dashboard serves. */
export interface DashboardAsset {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

const UPLOT_DIST = new URL("./", import.meta.resolve("uplot"));

const FILES: Record<string, { url: URL; contentType: string }> = {
  "index.html": { url: new URL("./index.html", import.meta.url), contentType: "text/html" },
  "dashboard.js": {
    url: new URL("./dashboard.js", import.meta.url),
    contentType: "text/javascript",
  },
  "dashboard.css": { url: new URL("./dashboard.css", import.meta.url), contentType: "text/css" },
  "uplot.js": { url: new URL("uPlot.iife.min.js", UPLOT_DIST), contentType: "text/javascript" },
  "uplot.css": { url: new URL("uPlot.min.css", UPLOT_DIST), contentType: "text/css" },
};

const cache = new Map<string, Promise<DashboardAsset>>();

/** The asset called `name` (read once, then kept), or `undefined` for unknown names. */
export function dashboardAsset(name: string): Promise<DashboardAsset | undefined> {
  const file = FILES[name];
  if (!file) return Promise.resolve(undefined);
  let asset = cache.get(name);
  if (!asset) {
    asset = Deno.readFile(file.url).then((body) => ({
      body,
      contentType: `${file.contentType}; charset=utf-8`,
    }));
    cache.set(name, asset);
    asset.catch(() => cache.delete(name));
  }
  return asset;
}
