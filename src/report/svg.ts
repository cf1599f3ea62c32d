/**
 * Vega-Lite spec → SVG string, headless in Node: compile to Vega, build a View with no renderer and
 * serialise with `toSVG()`. No canvas, no browser, no network (data is always inline).
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Renders one chart to a standalone `<svg>` element string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
