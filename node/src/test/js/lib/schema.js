'use strict';
// The canvas document schema, shared by the test scripts (to check results) and by
// reference-server.js (to refuse ops that would break it, as Easel does).

const COLLECTION = 'canvases';
const CELL_KINDS = ['sql', 'chart', 'markdown', 'ai', 'input'];

/**
 * The canvas schema Easel enforces, written strictly (no extra keys, layout
 * numbers are non-negative integers, w/h >= 1) so that the generators here stay
 * on the safe side of whatever the server accepts. Returns an error string or null.
 */
function validateCanvas(data) {
  if (!isPlainObject(data)) return 'document is not an object';
  const extra = Object.keys(data).filter((k) => k !== 'title' && k !== 'cells');
  if (extra.length) return `unexpected top-level keys ${JSON.stringify(extra)}`;
  if (typeof data.title !== 'string') return 'title is not a string';
  if (!isPlainObject(data.cells)) return 'cells is not an object';
  for (const id of Object.keys(data.cells)) {
    const err = validateCell(data.cells[id]);
    if (err) return `cells.${id}: ${err}`;
  }
  return null;
}

function validateCell(cell) {
  if (!isPlainObject(cell)) return 'cell is not an object';
  const allowed = ['kind', 'name', 'source', 'layout', 'config'];
  const extra = Object.keys(cell).filter((k) => !allowed.includes(k));
  if (extra.length) return `unexpected keys ${JSON.stringify(extra)}`;
  if (!CELL_KINDS.includes(cell.kind)) return `kind ${JSON.stringify(cell.kind)} is not one of ${CELL_KINDS.join('|')}`;
  if (typeof cell.name !== 'string') return 'name is not a string';
  if (typeof cell.source !== 'string') return 'source is not a string';
  if (!isPlainObject(cell.config)) return 'config is not an object';
  const l = cell.layout;
  if (!isPlainObject(l)) return 'layout is not an object';
  const lextra = Object.keys(l).filter((k) => !['x', 'y', 'w', 'h'].includes(k));
  if (lextra.length) return `layout has unexpected keys ${JSON.stringify(lextra)}`;
  for (const k of ['x', 'y', 'w', 'h']) {
    if (!Number.isInteger(l[k])) return `layout.${k} is not an integer (${JSON.stringify(l[k])})`;
    if (l[k] < (k === 'w' || k === 'h' ? 1 : 0)) return `layout.${k} out of range (${l[k]})`;
  }
  return null;
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

module.exports = { COLLECTION, CELL_KINDS, validateCanvas, validateCell };
