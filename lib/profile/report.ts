// Writes a profile's report.json, report.html and the chart SVGs into one folder.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { renderCharts } from './charts.js';
import { makeDir } from './make-dir.js';
import { renderHtml } from './report-html.js';
import { recommend } from './recommend.js';
import type { ProfileReport, ReportFile } from './types.js';

/** Paths writeReport() wrote. */
export interface WrittenReport {
  json: string;
  html: string;
  svgs: string[];
}

/** Renders the charts and writes report.json, report.html (SVGs inline) and one .svg per chart into dir. */
export async function writeReport(report: ProfileReport, dir: string, minRetained = 0.97): Promise<WrittenReport> {
  await makeDir(dir);
  const charts = await renderCharts(report, minRetained);
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  await writeFile(json, `${JSON.stringify(reportFile(report, minRetained), null, 2)}\n`);
  await writeFile(html, renderHtml(report, charts, minRetained));
  const svgs: string[] = [];
  for (const c of charts) {
    const file = join(dir, `${c.id}.svg`);
    await writeFile(file, c.svg);
    svgs.push(file);
  }
  return { json, html, svgs };
}

/** report.json's content: the profile plus its recommendations. */
export function reportFile(report: ProfileReport, minRetained = 0.97): ReportFile {
  return { ...report, minRetained, recommendations: recommend(report.results, { minRetained }) };
}
