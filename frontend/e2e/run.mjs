// End-to-end run: the real quanyu binary on a free port with a fresh data dir, the built client
// (frontend/dist, served by quanyu), Debian's Chromium driven by playwright-core.
// Usage: node e2e/run.mjs   (env: QUANYU_BIN, CHROMIUM, E2E_ARTIFACTS, UPDATE_DOCS_SCREENSHOTS=1)
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = resolve(FRONTEND, '..');
const BIN = resolve(FRONTEND, process.env.QUANYU_BIN ?? '../build/release/server/quanyu');
const CONFIG = resolve(REPO, 'config/quanyu.yaml');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = resolve(process.env.E2E_ARTIFACTS ?? join(FRONTEND, 'e2e-artifacts'));
const DOCS_SCREENSHOTS = process.env.UPDATE_DOCS_SCREENSHOTS === '1' ? join(REPO, 'docs/screenshots') : undefined;
const TOTAL_MS = 150_000;
// --disable-gpu makes Chromium fall back to SwiftShader for WebGL, which recent Chromium only
// allows with --enable-unsafe-swiftshader.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TOKENS = {
  wall: 'quanyu-demo-wall',
  duty: 'quanyu-demo-duty',
  yuzhong: 'quanyu-demo-yuzhong',
  feed: 'quanyu-demo-feed',
  admin: 'quanyu-demo-admin',
};
// A real tower of the sensor layer; smoke detections name one, their position is given explicitly.
const TOWER = '50010200001310000001';

const results = [];
const cleanups = [];
let server;
let base;
let port;
let dataDir;

function log(line) {
  process.stdout.write(`${line}\n`);
}

async function check(name, fn) {
  const started = Date.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true });
    log(`PASS ${name} (${Date.now() - started} ms)${detail ? ` — ${detail}` : ''}`);
  } catch (error) {
    results.push({ name, ok: false });
    log(`FAIL ${name} (${Date.now() - started} ms) — ${error instanceof Error ? error.message : String(error)}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address();
      probe.close(() => resolvePort(p));
    });
  });
}

function startServer() {
  return new Promise((resolveStart, reject) => {
    const logFile = createWriteStream(join(ARTIFACTS, 'server.log'), { flags: 'a' });
    const child = spawn(BIN, ['serve', '--config', CONFIG, '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('server did not print "Quanyu is listening" within 15 s'));
    }, 15_000);
    let out = '';
    child.stdout.on('data', (chunk) => {
      logFile.write(chunk);
      out += chunk;
      if (out.includes('Quanyu is listening')) {
        clearTimeout(timer);
        resolveStart(child);
      }
    });
    child.stderr.on('data', (chunk) => logFile.write(chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function stopServer(child, signal = 'SIGTERM') {
  return new Promise((resolveStop) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolveStop();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolveStop();
    });
    child.kill(signal);
  });
}

async function api(method, path, token, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
  return json;
}

let observationSerial = 0;
function smoke(lon, lat, confidence = 0.8) {
  observationSerial += 1;
  return {
    id: `e2e-${process.pid}-${observationSerial}`,
    source: 'e2e',
    observedAt: new Date().toISOString(),
    position: { x: lon, y: lat, crs: 'EPSG:4326' },
    smokeDetection: { towerId: TOWER, confidence },
  };
}

function post(observations) {
  return api('POST', '/api/v1/observations', TOKENS.feed, { observations });
}

/** The open incident nearest to a position, read as admin (REST). */
async function incidentAt(lon, lat) {
  const collection = await api('GET', `/api/v1/incidents?status=open&bbox=${lon - 0.02},${lat - 0.02},${lon + 0.02},${lat + 0.02}`, TOKENS.admin);
  assert(collection.features.length > 0, `no incident near ${lon},${lat}`);
  return collection.features[0].properties.id;
}

/** Saves a screenshot as an artefact; `docs` false keeps it out of docs/screenshots (the 4K wall
 *  is 2 MB and shows nothing the 1080p one does not). */
async function screenshot(page, name, docs = true) {
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, timeout: 15_000 });
  if (DOCS_SCREENSHOTS && docs) {
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    copyFileSync(file, join(DOCS_SCREENSHOTS, `${name}.png`));
  }
  log(`  screenshot ${file}`);
}

async function openView(context, route, token, viewport = { width: 1920, height: 1080 }) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.on('pageerror', (error) => log(`  [${route}] page error: ${error.message}`));
  page.on('console', async (message) => {
    if (message.type() !== 'error') return;
    const args = await Promise.all(message.args().map((a) => a.evaluate((v) => (v instanceof Error ? v.stack : String(v))).catch(() => '?')));
    log(`  [${route}] console error: ${args.join(' ') || message.text()}`);
  });
  if (token) {
    // What the sign-in form stores: the token with its GET /api/v1/session answer.
    const session = { token, ...(await api('GET', '/api/v1/session', token)) };
    await page.addInitScript((stored) => sessionStorage.setItem('quanyu.session', stored), JSON.stringify(session));
  }
  await page.goto(`${base}/#/${route}`, { timeout: 15_000 });
  return page;
}

// Interval polling: software-rendered WebGL can starve the requestAnimationFrame polling of
// waitForSelector on a loaded page.
async function waitLive(page, timeout = 10_000) {
  await page.waitForFunction(() => document.getElementById('live-status')?.dataset.state === 'live', undefined, { timeout, polling: 200 });
}

async function waitIncidents(page, n, timeout) {
  await page.waitForFunction((min) => Number(document.getElementById('wall-map')?.dataset.incidents) >= min, n, { timeout, polling: 250 });
}

/** Points on a regular grid that fall inside Chongqing's districts (even-odd test on every ring). */
function gridInsideDistricts(count) {
  const districts = JSON.parse(readFileSync(join(REPO, 'config/chongqing-districts.geojson'), 'utf8'));
  const polygons = districts.features.flatMap((f) => (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates));
  const inside = (x, y) => {
    let hit = false;
    for (const rings of polygons) {
      for (const ring of rings) {
        for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          const [xi, yi] = ring[i];
          const [xj, yj] = ring[j];
          if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
        }
      }
      if (hit) return true;
    }
    return false;
  };
  const points = [];
  // About 4 km apart: more than the 2 km fusion radius, so each point is its own fire.
  for (let lat = 28.2; lat < 32.2 && points.length < count; lat += 0.036) {
    for (let lon = 105.3; lon < 110.2 && points.length < count; lon += 0.042) {
      if (inside(lon, lat)) points.push([Number(lon.toFixed(5)), Number(lat.toFixed(5))]);
    }
  }
  return points;
}

async function main() {
  assert(existsSync(BIN), `no server binary at ${BIN} (set QUANYU_BIN)`);
  assert(existsSync(join(FRONTEND, 'dist/index.html')), 'frontend/dist is missing: run npm run build first');
  mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'quanyu-e2e-data-'));
  const profile = mkdtempSync(join(tmpdir(), 'quanyu-e2e-chromium-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startServer();
  log(`server ${BIN} on ${base}, data ${dataDir}`);

  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1920, height: 1080 },
    timeout: 20_000,
  });
  cleanups.unshift(() => context.close());
  const webgl = await (async () => {
    const page = await context.newPage();
    const info = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
      if (!gl) return undefined;
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      return ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    });
    await page.close();
    return info;
  })();
  log(`chromium ${context.browser()?.version() ?? ''} WebGL: ${webgl ?? 'unavailable'} (flags: ${CHROMIUM_ARGS.join(' ')})`);

  let wall;
  let fireId;
  await check('1 wall shows a new smoke detection within 1 s', async () => {
    wall = await context.newPage();
    await wall.setViewportSize({ width: 1920, height: 1080 });
    wall.on('pageerror', (error) => log(`  [wall] page error: ${error.message}`));
    await wall.goto(`${base}/`, { timeout: 15_000 });
    // A feed token may not sign in to a view, and is told so in Chinese.
    await wall.fill('#token', TOKENS.feed, { timeout: 5000 });
    await wall.click('#sign-in');
    await wall.waitForFunction(() => document.getElementById('sign-in-message')?.textContent.includes('数据接入令牌'), undefined, { timeout: 5000, polling: 100 });
    // Sign in through the form, as an operator would: a wall token gets only 大屏.
    await wall.fill('#token', TOKENS.wall, { timeout: 5000 });
    await wall.click('#sign-in');
    await wall.waitForSelector('#session-info[data-role="wall"]', { timeout: 5000 });
    const disabled = await wall.locator('a.choice.disabled').evaluateAll((links) => links.map((a) => a.dataset.route).sort().join(','));
    assert(disabled === 'console,subcentre', `a wall token may choose ${disabled || 'everything'}`);
    await wall.click('a[data-route="wall"]', { timeout: 5000 });
    await waitLive(wall);
    await wall.waitForSelector('#wall-map[data-incidents]', { state: 'attached', timeout: 15_000 });
    await wall.evaluate(() => {
      const list = document.getElementById('alarm-list');
      const known = new Set([...list.querySelectorAll('[data-incident-id]')].map((n) => n.dataset.incidentId));
      const observer = new MutationObserver(() => {
        for (const node of list.querySelectorAll('[data-incident-id]')) {
          if (!known.has(node.dataset.incidentId)) {
            window.__appeared = { at: Date.now(), id: node.dataset.incidentId };
            observer.disconnect();
            return;
          }
        }
      });
      observer.observe(list, { childList: true, subtree: true });
    });
    await post([smoke(106.27, 29.29)]);
    const posted = Date.now();
    const appeared = await wall.waitForFunction(() => window.__appeared, undefined, { timeout: 3000 }).then((h) => h.jsonValue());
    const latency = appeared.at - posted;
    fireId = await incidentAt(106.27, 29.29);
    assert(appeared.id === fireId, `the row that appeared is ${appeared.id}, the incident is ${fireId}`);
    assert(latency <= 1000, `appeared ${latency} ms after the POST answered`);
    await wall.waitForFunction(() => Number(document.getElementById('wall-map').dataset.incidents) >= 1, undefined, { timeout: 2000 });
    log(`APPEAR_ON_WALL_MS ${Math.max(0, latency)}${latency < 0 ? ` (row was on screen ${-latency} ms before the POST answer arrived)` : ''}`);
    return `${fireId} on the wall ${Math.max(0, latency)} ms after the POST answer`;
  });

  await check('2 console dispatches a verify task (一键派发核查任务)', async () => {
    assert(fireId, 'no incident from check 1');
    const page = await openView(context, 'console', TOKENS.duty);
    await waitLive(page);
    await page.click(`#incident-list [data-incident-id="${fireId}"]`, { timeout: 5000 });
    const dispatch = page.locator('#incident-detail button[data-command="dispatch"]');
    await dispatch.waitFor({ timeout: 5000 });
    await page.waitForFunction(() => !document.querySelector('#incident-detail button[data-command="dispatch"]').disabled, undefined, { timeout: 5000 });
    await dispatch.click();
    const card = await page.waitForSelector('#task-board .task-card[data-task-id]', { timeout: 5000 });
    const taskId = await card.getAttribute('data-task-id');
    await page.waitForSelector('.toast-ok', { timeout: 5000 });
    await page.waitForSelector(`#incident-detail [data-task-id="${taskId}"]`, { timeout: 5000 });
    const tasks = await api('GET', `/api/v1/tasks?incident=${fireId}`, TOKENS.duty);
    assert(tasks.tasks.some((t) => t.id === taskId && t.incidentId === fireId), `GET /api/v1/tasks has no ${taskId} for ${fireId}`);
    await page.waitForSelector('#incident-detail .nearby td', { timeout: 5000 });
    await page.waitForTimeout(300);
    await screenshot(page, 'console');
    await page.close();
    return `${taskId} on the board and in GET /api/v1/tasks`;
  });

  await check('3 sub-centre sees 渝中区 and never 涪陵区', async () => {
    const page = await openView(context, 'subcentre', TOKENS.yuzhong);
    await waitLive(page);
    // Framed on the token's districts (GET /api/v1/session) before any incident arrived.
    const session = await api('GET', '/api/v1/session', TOKENS.yuzhong);
    const framed = await page
      .waitForFunction(() => document.getElementById('console-map')?.dataset.framed, undefined, { timeout: 10_000, polling: 200 })
      .then((h) => h.jsonValue());
    assert(framed === [...session.districts].sort().join(','), `map framed on ${framed}, session districts ${session.districts}`);
    await post([smoke(106.5775, 29.5574), smoke(107.25, 29.7)]);
    const inside = await incidentAt(106.5775, 29.5574);
    const outside = await incidentAt(107.25, 29.7);
    await page.waitForSelector(`#incident-list [data-incident-id="${inside}"]`, { timeout: 3000 });
    await page.waitForTimeout(1500);
    const seen = await page.evaluate(
      ({ outsideId }) => ({
        outsideRow: document.querySelectorAll(`[data-incident-id="${outsideId}"]`).length,
        text: document.body.innerText,
        kpis: document.getElementById('kpi-strip').innerText,
        scope: document.getElementById('scope').innerText,
      }),
      { outsideId: outside },
    );
    assert(seen.outsideRow === 0, `${outside} (涪陵区) is listed`);
    assert(!seen.text.includes(outside), `${outside} appears on the page`);
    assert(!seen.text.includes('涪陵'), '涪陵区 appears on the page');
    assert(!seen.kpis.includes('涪陵'), '涪陵区 appears in the KPIs');
    assert(seen.scope.includes('渝中区') && seen.scope.includes('南岸区'), `scope line is "${seen.scope}"`);
    await page.click(`#incident-list [data-incident-id="${inside}"]`);
    await page.waitForSelector('#incident-detail .nearby td', { timeout: 5000 });
    await page.waitForTimeout(500);
    await screenshot(page, 'subcentre');
    await page.close();
    return `${inside} shown, ${outside} never (scope "${seen.scope}")`;
  });

  await check('4 wall shows the dropped connection and recovers after a restart', async () => {
    assert(wall && fireId, 'no wall from check 1');
    await waitLive(wall);
    const stopped = Date.now();
    await stopServer(server);
    await wall.waitForSelector('#stale-banner:not([hidden])', { timeout: 12_000 });
    const shown = Date.now() - stopped;
    const state = await wall.getAttribute('#live-status', 'data-state');
    assert(state === 'reconnecting' || state === 'stale', `indicator state is ${state}`);
    const kept = await wall.locator(`#alarm-list [data-incident-id="${fireId}"]`).count();
    assert(kept === 1, 'the wall dropped its picture while disconnected');
    await screenshot(wall, 'wall-disconnected');
    server = await startServer();
    const restarted = Date.now();
    await waitLive(wall, 15_000);
    await wall.waitForSelector('#stale-banner[hidden]', { state: 'attached', timeout: 5000 });
    await wall.waitForSelector(`#alarm-list [data-incident-id="${fireId}"]`, { timeout: 5000 });
    const onMap = await wall.evaluate(() => Number(document.getElementById('wall-map').dataset.incidents));
    assert(onMap >= 3, `map shows ${onMap} incidents after the restart`);
    return `indicator after ${shown} ms (${state}), live again ${Date.now() - restarted} ms after the restart, ${onMap} incidents kept`;
  });

  await check('5 wall shows gauges, their trend and the flood incident', async () => {
    assert(wall, 'no wall from check 1');
    const gauge = (gaugeId, waterLevelM, minutesAgo) => {
      observationSerial += 1;
      return {
        id: `e2e-${process.pid}-g${observationSerial}`,
        source: 'sl651',
        observedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
        gaugeReading: { gaugeId, waterLevelM },
      };
    };
    // 长江江津区段1号 (warning 207.9 m): rising over the warning level; 2号 (206.1 m) and 3号 (203.3 m) below.
    await post([gauge('WG-0060105001', 207.2, 20), gauge('WG-0060105001', 207.7, 10), gauge('WG-0060105002', 205.0, 10), gauge('WG-0060105003', 201.9, 5)]);
    await post([gauge('WG-0060105001', 208.1, 0)]);
    const flood = await api('GET', '/api/v1/incidents?status=open&kind=flood', TOKENS.admin);
    assert(flood.features.length >= 1, 'no open flood incident after a reading above warning');
    const floodId = flood.features[0].properties.id;
    await wall.waitForFunction(
      () => {
        const row = document.querySelector('.gauge-list [data-gauge-id="WG-0060105001"]');
        return row && row.textContent.includes('长江江津区段1号水位站（演示）') && row.textContent.includes('208.10 m') && row.textContent.includes('超警');
      },
      undefined,
      { timeout: 5000, polling: 200 },
    );
    const first = await wall.evaluate(() => document.querySelector('.gauge-list [data-gauge-id]')?.dataset.gaugeId);
    assert(first === 'WG-0060105001', `the highest gauge relative to warning is ${first}`);
    const chart = await wall
      .waitForFunction(() => {
        const box = document.querySelector('.gauge-chart');
        return Number(box?.dataset.series) >= 1 && Number(box?.dataset.points) >= 3 ? { series: box.dataset.series, points: box.dataset.points } : false;
      }, undefined, { timeout: 5000, polling: 200 })
      .then((h) => h.jsonValue());
    await wall.waitForFunction(() => Number(document.getElementById('wall-map')?.dataset.gauges) >= 3, undefined, { timeout: 5000, polling: 200 });
    await wall.waitForSelector(`#alarm-list [data-incident-id="${floodId}"]`, { timeout: 5000 });
    const aboveKpi = await wall.locator('[data-kpi="gauges-above"] .kpi-value').textContent({ timeout: 5000 });
    assert(Number(aboveKpi) >= 1, `水位超警站 shows ${aboveKpi}`);
    return `gauge row 208.10 m, chart ${chart.series} series / ${chart.points} points, flood ${floodId} in the alarms`;
  });

  await check('6 frame times with thousands of incidents and 200 updates/s', async () => {
    assert(wall, 'no wall from check 1');
    const points = gridInsideDistricts(5000);
    for (let i = 0; i < points.length; i += 1000) {
      await post(points.slice(i, i + 1000).map(([lon, lat]) => smoke(lon, lat, 0.5)));
    }
    await waitIncidents(wall, points.length, 20_000);
    await wall.evaluate(() => {
      window.__frames = [];
      let last = performance.now();
      const tick = (now) => {
        window.__frames.push(now - last);
        last = now;
        if (window.__frames.length < 100_000) window.__rafHandle = requestAnimationFrame(tick);
      };
      window.__rafHandle = requestAnimationFrame(tick);
    });
    // 200 updates a second for 5 s: new detections beside existing fires join them.
    const until = Date.now() + 5000;
    let sent = 0;
    let k = 0;
    while (Date.now() < until) {
      const tickStart = Date.now();
      const batch = [];
      for (let j = 0; j < 20; j += 1, k += 1) {
        const [lon, lat] = points[(k * 7919) % points.length];
        batch.push(smoke(lon + 0.001, lat + 0.001, 0.6));
      }
      await post(batch);
      sent += batch.length;
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tickStart))));
    }
    const frames = await wall.evaluate(() => {
      cancelAnimationFrame(window.__rafHandle);
      return window.__frames.slice(1);
    });
    const sorted = [...frames].sort((a, b) => a - b);
    const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
    const onMap = await wall.evaluate(() => Number(document.getElementById('wall-map').dataset.incidents));
    log(`FRAME_TIMES p50=${pct(50).toFixed(1)}ms p95=${pct(95).toFixed(1)}ms max=${sorted[sorted.length - 1].toFixed(1)}ms frames=${frames.length} incidents=${onMap} updates=${sent} in 5 s`);
    await wall.waitForTimeout(500);
    await screenshot(wall, 'wall');
    await wall.close();
    const big = await openView(context, 'wall', TOKENS.wall, { width: 3840, height: 2160 });
    await waitIncidents(big, points.length, 30_000);
    await waitLive(big, 10_000);
    await big.waitForTimeout(1500);
    await screenshot(big, 'wall-4k', false);
    await big.close();
    return `${onMap} incidents on the map, ${sent} updates`;
  });
}

async function cleanup() {
  await stopServer(server);
  for (const fn of cleanups) {
    try {
      await fn();
    } catch {
      // best effort
    }
  }
}

const deadline = setTimeout(async () => {
  log(`FAIL whole run exceeded ${TOTAL_MS / 1000} s`);
  await cleanup();
  process.exit(1);
}, TOTAL_MS);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await cleanup();
    process.exit(130);
  });
}

const started = Date.now();
try {
  await main();
} catch (error) {
  results.push({ name: 'setup', ok: false });
  log(`FAIL setup — ${error instanceof Error ? error.stack : String(error)}`);
} finally {
  await cleanup();
  clearTimeout(deadline);
}
const failed = results.filter((r) => !r.ok);
log(`${results.length - failed.length}/${results.length} checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed.length === 0 && results.length > 0 ? 0 : 1);
