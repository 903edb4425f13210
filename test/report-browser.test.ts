// report.html in headless Chromium: loads without console errors, every chart has a size, screenshot saved.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { profile } from '../lib/profile/index.js';
import { writeReport } from '../lib/profile/report.js';

const CHROMIUM = process.env.GSPARSE_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP_REASON = `SKIPPED: ${CHROMIUM} not found (Debian: apt-get install -y chromium; .ci/run installs it)`;
const SCREENSHOT = join(import.meta.dirname, 'artifacts', 'report.png');

let dir = '';
let html = '';

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  dir = await mkdtemp(join(tmpdir(), 'gsparse-report-'));
  const report = await profile({
    layers: [{ name: 'attn', rows: 256, cols: 256 }, { name: 'ffn', rows: 512, cols: 128 }],
    sparsities: [0.5, 0.9], batches: [1, 4], maxRepeats: 2, minTimeMs: 0,
  });
  html = (await writeReport(report, dir)).html;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`report.html in headless Chromium${HAVE_CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  it.skipIf(!HAVE_CHROMIUM)('loads without console errors, charts have non-zero size, screenshot saved', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
      expect(await page.title()).toBe('gsparse profile');
      const sizes = await page.$$eval('figure > svg', (svgs) => svgs.map((s) => {
        const r = s.getBoundingClientRect();
        return { width: r.width, height: r.height };
      }));
      expect(sizes).toHaveLength(3);
      for (const s of sizes) {
        expect(s.width).toBeGreaterThan(100);
        expect(s.height).toBeGreaterThan(100);
      }
      expect(await page.locator('td.win').count()).toBeGreaterThan(0);
      await mkdir(join(import.meta.dirname, 'artifacts'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
