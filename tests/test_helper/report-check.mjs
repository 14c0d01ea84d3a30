// report-check.mjs: open an HTML report in headless Chromium (DevTools protocol over
// --remote-debugging-pipe: no port, no npm package) at one viewport width, take screenshots and
// run the layout and accessibility checks in the page. Prints one JSON object on stdout:
// { width, problems: [...], console: [...], links: [...], charts, tables, shots: [...] }.
// Usage: node report-check.mjs REPORT.html WIDTH SHOTDIR
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [report, widthText, shotDir] = process.argv.slice(2);
const width = Number(widthText);
const height = 900;
const profile = mkdtempSync(join(tmpdir(), 'report-check-'));
const browser = spawn(process.env.CHROMIUM || 'chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
    '--hide-scrollbars', '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
browser.stderr.resume();

// The protocol: JSON messages ended by a NUL byte, written to fd 3, read from fd 4.
let nextId = 1, buffer = '';
const pending = new Map(), listeners = [];
browser.stdio[4].on('data', chunk => {
    buffer += chunk.toString('utf8');
    let end;
    while ((end = buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        if (message.id && pending.has(message.id)) {
            const { ok, fail } = pending.get(message.id);
            pending.delete(message.id);
            message.error ? fail(new Error(JSON.stringify(message.error))) : ok(message.result);
        } else for (const listener of listeners) listener(message);
    }
});
const send = (method, params = {}, sessionId) => new Promise((ok, fail) => {
    const id = nextId++;
    pending.set(id, { ok, fail });
    browser.stdio[3].write(JSON.stringify({ id, method, params, sessionId }) + '\0');
});
const event = (name, sessionId) => new Promise(ok => listeners.push(m => {
    if (m.method === name && m.sessionId === sessionId) ok(m.params);
}));

const timer = setTimeout(() => { console.error('report-check: timed out'); browser.kill(); process.exit(2); }, 120000);
const consoleMessages = [];
try {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    listeners.push(m => {
        if (m.sessionId !== sessionId) return;
        if (m.method === 'Runtime.consoleAPICalled' && (m.params.type === 'error' || m.params.type === 'warning'))
            consoleMessages.push(m.params.type + ': ' + m.params.args.map(a => a.value ?? a.description).join(' '));
        if (m.method === 'Runtime.exceptionThrown') consoleMessages.push('exception: ' + m.params.exceptionDetails.text);
        if (m.method === 'Log.entryAdded' && m.params.entry.level === 'error') consoleMessages.push('log: ' + m.params.entry.text);
    });
    for (const domain of ['Page', 'Runtime', 'Log']) await send(domain + '.enable', {}, sessionId);
    await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: width < 600 }, sessionId);
    const loaded = event('Page.loadEventFired', sessionId);
    await send('Page.navigate', { url: pathToFileURL(resolve(report)).href }, sessionId);
    await loaded;
    const { result } = await send('Runtime.evaluate', { expression: `(${pageChecks})(${width})`, returnByValue: true }, sessionId);
    const checks = result.value;

    // Screenshots: the first screen, each chart's first appearance at this width, and the whole page.
    const shots = [];
    const shoot = async (name, clip) => {
        const { data } = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { ...clip, scale: 1 } }, sessionId);
        const file = join(shotDir, `report-${width}-${name}.png`);
        writeFileSync(file, Buffer.from(data, 'base64'));
        shots.push(file);
    };
    await shoot('top', { x: 0, y: 0, width, height });
    for (const [name, box] of Object.entries(checks.boxes)) await shoot(name, box);
    await shoot('page', { x: 0, y: 0, width, height: Math.min(checks.pageHeight, 30000) });
    delete checks.boxes;
    console.log(JSON.stringify({ width, ...checks, console: consoleMessages, shots }));
} finally {
    clearTimeout(timer);
    const exited = new Promise(ok => browser.once('exit', ok));
    browser.kill();
    await exited;
    try { rmSync(profile, { recursive: true, force: true }); } catch { /* a profile file still closing: the temp dir stays */ }
}

// Runs inside the page (WIDTH: the screen's): returns { problems, links, charts, tables, pageHeight, boxes }.
// WIDTH is the emulated screen's: a mobile layout viewport may widen to fit content that is too
// wide, so window.innerWidth alone would hide the overflow.
function pageChecks(width) {
    const problems = [];
    const viewport = width;
    if (window.innerWidth !== width) problems.push(`the layout viewport is ${window.innerWidth}px on a ${width}px screen`);
    const doc = document.documentElement;
    if (doc.scrollWidth > viewport) problems.push(`page is ${doc.scrollWidth}px wide at a ${viewport}px viewport`);
    if (!document.querySelector('meta[name="viewport"][content*="width=device-width"]')) problems.push('no viewport meta');
    if (!doc.lang) problems.push('html has no lang');
    // Nothing sticks out of the viewport, except inside a box that scrolls.
    const scrolls = e => { for (let a = e.parentElement; a; a = a.parentElement) {
        const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll') return true } return false };
    for (const e of document.body.querySelectorAll('*')) {
        const r = e.getBoundingClientRect();
        if (r.width && r.right > viewport + 1 && !scrolls(e)) { problems.push(`wider than the viewport: <${e.tagName.toLowerCase()}${e.id ? ' id=' + e.id : ''}> ${Math.round(r.right)}px`); break }
    }
    // A scrolling table box lets one reach its last column.
    for (const box of document.querySelectorAll('div.table')) {
        if (box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX !== 'auto') problems.push('a wide table does not scroll');
        if (box.getBoundingClientRect().right > viewport + 1) problems.push('a table box is wider than the viewport');
        if (!box.hasAttribute('tabindex')) problems.push('a scrolling table box cannot be reached with the keyboard');
    }
    // Charts: an accessible name, a title drawn in the chart, labelled axes, and they scale.
    const charts = [...document.querySelectorAll('figure.chart')];
    for (const f of charts) {
        const svg = f.querySelector('svg, img');
        if (!svg) { problems.push(`figure ${f.id} has no chart`); continue }
        let name = '';
        if (svg.tagName.toLowerCase() === 'img') name = svg.getAttribute('alt') || '';
        else {
            if (svg.getAttribute('role') !== 'img') problems.push(`chart ${f.id}: svg without role=img`);
            const by = svg.getAttribute('aria-labelledby');
            name = svg.getAttribute('aria-label') || (by && document.getElementById(by) ? document.getElementById(by).textContent : '');
        }
        if (!name.trim() || /^gnuplot$/i.test(name.trim())) problems.push(`chart ${f.id} has no text alternative`);
        const texts = [...f.querySelectorAll('svg text')].map(t => t.textContent.trim());
        if (!texts.includes(name.trim())) problems.push(`chart ${f.id}: its title "${name}" is not drawn in the chart`);
        if (!f.querySelector('figcaption')?.textContent.trim()) problems.push(`chart ${f.id} has no caption`);
        if (svg.getBoundingClientRect().right > viewport + 1) problems.push(`chart ${f.id} does not scale to the viewport`);
    }
    // Images (if any) carry alt text.
    for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) problems.push('an img without alt');
    // Tables: a caption, column headers with scope.
    const tables = [...document.querySelectorAll('table')];
    for (const t of tables) {
        if (!t.querySelector('th')) problems.push('a table without th');
        if (!t.caption || !t.caption.textContent.trim()) problems.push('a table without caption');
        for (const th of t.querySelectorAll('thead th')) if (th.getAttribute('scope') !== 'col') { problems.push('a column header without scope'); break }
    }
    // Headings: one h1, no level skipped.
    const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')];
    if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
    let level = 0;
    for (const h of headings) {
        const l = Number(h.tagName[1]);
        if (l > level + 1) problems.push(`heading level skipped before "${h.textContent}"`);
        level = l;
    }
    // Links: text, and every in-page target exists; the relative ones are reported for the test.
    const links = [];
    for (const a of document.querySelectorAll('a[href]')) {
        if (!a.textContent.trim() && !a.getAttribute('aria-label')) problems.push(`a link without text: ${a.getAttribute('href')}`);
        const href = a.getAttribute('href');
        if (href.startsWith('#')) { if (!document.getElementById(decodeURIComponent(href.slice(1)))) problems.push(`link to a missing target ${href}`) }
        else links.push(href);
    }
    const contents = document.querySelectorAll('nav a[href^="#"]');
    if (contents.length < 8) problems.push(`the contents list has ${contents.length} links`);
    // Ids are unique (inline charts bring their own).
    const seen = new Set();
    for (const e of document.querySelectorAll('[id]')) { if (seen.has(e.id)) { problems.push(`duplicate id ${e.id}`); break } seen.add(e.id) }
    // Contrast of text against its background (WCAG AA: 4.5, large text 3).
    const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4 })
        .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
    const background = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3) } return [255, 255, 255] };
    let contrastFailures = 0;
    for (const e of document.body.querySelectorAll('p, li, td, th, caption, figcaption, dt, dd, a, h1, h2, h3, code, em, strong, b')) {
        if (e.closest('svg') || !e.textContent.trim()) continue;
        const style = getComputedStyle(e);
        const fg = luminance(rgb(style.color)), bg = luminance(background(e));
        const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
        const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
        if (ratio < (large ? 3 : 4.5)) { if (contrastFailures++ < 3) problems.push(`contrast ${ratio.toFixed(2)} of <${e.tagName.toLowerCase()}> "${e.textContent.trim().slice(0, 30)}"`) }
    }
    // Where to take screenshots: a few sections, from their heading to the next.
    const boxes = {};
    for (const id of ['summary', 'contents', 'run', 't2', 't5', 't6', 'suppression', 'truth']) {
        const h = document.getElementById(id);
        if (!h) continue;
        const next = [...document.querySelectorAll('h2')].find(x => x.compareDocumentPosition(h) & Node.DOCUMENT_POSITION_PRECEDING);
        const top = h.getBoundingClientRect().top + window.scrollY;
        const bottom = next ? next.getBoundingClientRect().top + window.scrollY : top + 1400;
        boxes[id] = { x: 0, y: Math.max(0, top - 10), width: viewport, height: Math.min(2400, bottom - top + 10) };
    }
    // and the first chart of a few sections on its own, to read it at this width
    for (const id of ['t1', 't2', 't6', 'wijkteams']) {
        const figure = document.querySelector(`#${id} ~ figure.chart`);
        if (!figure) continue;
        const r = figure.getBoundingClientRect();
        boxes['chart-' + id] = { x: 0, y: Math.max(0, r.top + window.scrollY - 5), width: viewport, height: r.height + 10 };
    }
    return { problems, links, charts: charts.length, tables: tables.length, pageHeight: doc.scrollHeight, boxes };
}
