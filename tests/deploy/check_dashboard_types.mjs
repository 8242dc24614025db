// Type-checks a Grafana dashboard JSON against @grafana/schema (tests/node, as locked) with the
// real TypeScript compiler: the whole file `satisfies Dashboard` (the classic JSON model that
// Grafana provisions and imports, schemaVersion 42 in @grafana/schema 13), and each panel again
// against its own plugin's Options/FieldConfig (timeseries, stat, table, bargauge,
// state-timeline), whose fields the Dashboard type leaves open, plus a Prometheus query shape
// for every target. tsc reports unknown or mistyped fields; this prints them with the panel.
// Usage: node check_dashboard_types.mjs DASHBOARD.json NODE_DIR   (NODE_DIR = tests/node)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [dashboardPath, nodeDir] = process.argv.slice(2);
if (!dashboardPath || !nodeDir) {
  console.error('usage: node check_dashboard_types.mjs DASHBOARD.json NODE_DIR');
  process.exit(2);
}
const tsc = path.join(nodeDir, 'node_modules', 'typescript', 'bin', 'tsc');
if (!fs.existsSync(path.join(nodeDir, 'node_modules', '@grafana', 'schema')) || !fs.existsSync(tsc)) {
  console.error(`${nodeDir}/node_modules lacks @grafana/schema or typescript: run bash scripts/deps.sh`);
  process.exit(1);
}
const dashboard = JSON.parse(fs.readFileSync(dashboardPath, 'utf8'));

// The schema's string enums (FieldColorModeId, LegendDisplayMode, ...) do not accept the plain
// strings JSON holds; Loose<T> turns every enum into the union of its values and leaves the
// rest of the type (required fields, excess-property checks) as it is.
const prelude = `
import type { Dashboard, Panel, FieldConfigSource, DataSourceRef } from '@grafana/schema';
import type * as TimeSeries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type * as Stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as Table from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type * as BarGauge from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type * as StateTimeline from '@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen';

type Loose<T> = T extends string ? \`\${T}\` : T extends number | boolean | null | undefined ? T
  : T extends readonly (infer E)[] ? Loose<E>[] : T extends object ? { [K in keyof T]: Loose<T[K]> } : T;

// The Prometheus data source's query model (not part of @grafana/schema): the fields
// Grafana's query editor saves.
interface PromQuery {
  refId: string; expr: string; datasource?: DataSourceRef; editorMode?: 'code' | 'builder';
  legendFormat?: string; range?: boolean; instant?: boolean; exemplar?: boolean; hide?: boolean;
  format?: 'time_series' | 'table' | 'heatmap'; interval?: string; intervalFactor?: number;
}
type Typed<O, F> = Loose<Omit<Panel, 'options' | 'fieldConfig' | 'targets'> & {
  options: O; fieldConfig: FieldConfigSource<F>; targets: PromQuery[] }>;
type ByType = {
  'timeseries': Typed<TimeSeries.Options, TimeSeries.FieldConfig>;
  'stat': Typed<Stat.Options, Record<string, never>>;
  'table': Typed<Table.Options, Table.FieldConfig>;
  'bargauge': Typed<BarGauge.Options, Record<string, never>>;
  'state-timeline': Typed<StateTimeline.Options, StateTimeline.FieldConfig>;
};
`;
let source = prelude + `\nexport const dashboard = (${JSON.stringify(dashboard, null, 2)}) satisfies Loose<Dashboard>;\n`;
const lines = [];  // generated line of each panel check -> panel title, to name it in errors
const known = ['timeseries', 'stat', 'table', 'bargauge', 'state-timeline', 'row'];
let unknownTypes = 0;
for (const [i, p] of (dashboard.panels || []).entries()) {
  if (!known.includes(p.type)) {
    console.error(`FAIL panel "${p.title}": type "${p.type}" has no check here; add its schema`);
    unknownTypes++;
    continue;
  }
  if (p.type === 'row') continue;
  const start = source.split('\n').length;
  source += `export const panel${i} = (${JSON.stringify(p, null, 2)}) satisfies ByType['${p.type}'];\n`;
  lines.push({ start, end: source.split('\n').length, title: p.title });
}

// The check runs inside tests/node so that '@grafana/schema' resolves to the locked copy.
const dir = fs.mkdtempSync(path.join(nodeDir, '.dashboard-check-'));
try {
  fs.writeFileSync(path.join(dir, 'dashboard.ts'), source);
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2020', module: 'esnext',
      moduleResolution: 'bundler', skipLibCheck: true, types: [] },
    files: ['dashboard.ts'],
  }));
  let output = '';
  try {
    execFileSync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { encoding: 'utf8' });
  } catch (e) {
    output = (e.stdout || '') + (e.stderr || '');
  }
  const errors = output.split('\n').filter((l) => /error TS\d+/.test(l));
  for (const e of errors) {
    const m = /dashboard\.ts\((\d+),/.exec(e);
    const line = m ? Number(m[1]) : 0;
    const hit = lines.find((x) => line >= x.start && line < x.end);
    console.error(`FAIL ${hit ? `panel "${hit.title}"` : 'dashboard'}: ${e.replace(/^.*?error /, 'error ')}`);
  }
  if (output && errors.length === 0) console.error(output);
  const panels = lines.length;
  if (errors.length || unknownTypes || output) {
    console.error(`${errors.length} type errors in ${dashboardPath}`);
    process.exitCode = 1;  // not exit(): the finally block removes the temporary directory
  } else {
    console.log(`OK: ${dashboardPath} satisfies @grafana/schema Dashboard (schemaVersion ` +
              `${dashboard.schemaVersion}); ${panels} panels checked against their plugin types`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
