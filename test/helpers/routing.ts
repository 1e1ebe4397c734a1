/** The rendered collector's tenant routing, evaluated on sample spans (the tests' model of the routing connector). */
export type Span = { resource: Record<string, string>; attributes: Record<string, string> };

/** The collector's routing connector, as configured: the first row whose OTTL condition holds, else the default. */
export function route(collector: any, span: Span): string {
  const config = collector.spec.config;
  const routing = config.connectors.routing;
  const holds = (row: any): boolean => {
    const attrs = (row.context ?? 'resource') === 'resource' ? span.resource : span.attributes;
    let m = /^attributes\[("[^"]+")\] == ("[^"]*")$/.exec(row.condition);
    if (m) return attrs[JSON.parse(m[1])] === JSON.parse(m[2]);
    m = /^IsMatch\(attributes\[("[^"]+")\], ("(?:[^"\\]|\\.)*")\)$/.exec(row.condition);
    if (m) return new RegExp(JSON.parse(m[2])).test(attrs[JSON.parse(m[1])] ?? '');
    throw new Error(`unparsed condition ${row.condition}`);
  };
  const row = routing.table.find(holds);
  const pipeline = row ? row.pipelines[0] : routing.default_pipelines[0];
  const exporter = config.service.pipelines[pipeline].exporters[0];
  return config.exporters[exporter].headers['x-scope-orgid'];
}
