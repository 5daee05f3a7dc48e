// Parse each Mermaid diagram with mermaid's own parser, then compile Gantt tasks (dates).
// Input: a JSON array of diagram texts on stdin. Output: a JSON array, one entry per
// diagram: {"ok": true, "type": ..., "tasks": [...]} or {"ok": false, "error": ...}.
// A Gantt bar of no length (Mermaid's reading of an unreadable end date) is an error.
// jsdom provides the DOM mermaid's sanitiser needs under node; no browser is involved.
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    let tasks = null;
    if (parsed.diagramType === 'gantt') {
      const compiled = diagram.db.getTasks();
      for (const t of compiled) {
        // Mermaid reads a date it cannot parse as an end equal to the start: a bar of no
        // length. Every bar the views draw lasts at least a day, so that is an error here.
        if (!t.milestone && !(t.endTime > t.startTime)) {
          throw new Error(`task "${t.task.trim()}" in section "${t.section}" has no length`);
        }
      }
      tasks = compiled.map((t) => ({
        task: t.task.trim(),
        section: t.section,
        start: t.startTime.toISOString(),
        end: t.endTime.toISOString(),
        milestone: Boolean(t.milestone),
      }));
    }
    results.push({ ok: true, type: parsed.diagramType, tasks });
  } catch (error) {
    results.push({ ok: false, error: String(error && error.message ? error.message : error) });
  }
}
process.stdout.write(JSON.stringify(results));
